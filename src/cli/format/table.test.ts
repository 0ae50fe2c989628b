import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { compileFormat, FormatError, headerContext, renderList, templateText } from './table.js';

const headers = { ID: 'CONTAINER ID', Image: 'IMAGE', Names: 'NAMES', Status: 'STATUS', Size: 'SIZE' };
const rows = [
  { ID: 'containerID1', Image: 'ubuntu', Names: 'foobar_baz', Status: '', Size: '0B' },
  { ID: 'containerID2', Image: 'ubuntu', Names: 'foobar_bar', Status: '', Size: '0B' },
];

describe('templateText (Context.preFormat)', () => {
  it('strips "table", maps json, trims spaces, and unescapes \\t and \\n', () => {
    assert.equal(templateText('table {{.ID}}\\t{{.Names}}'), '{{.ID}}\t{{.Names}}');
    assert.equal(templateText('json'), '{{json .}}');
    assert.equal(templateText('  {{.ID}}\\n  '), '{{.ID}}\n');
    assert.equal(templateText('{{.ID}}\t'), '{{.ID}}\t');
  });
});

describe('renderList (Context.Write)', () => {
  it('renders a table with headers from the header map', () => {
    assert.equal(
      renderList({ format: 'table {{.ID}}\t{{.Image}}\t{{.Status}}\t{{.Names}}', rows, headers }),
      'CONTAINER ID   IMAGE     STATUS    NAMES\ncontainerID1   ubuntu              foobar_baz\ncontainerID2   ubuntu              foobar_bar\n',
    );
  });

  it('prints just the header row when there are no rows', () => {
    assert.equal(renderList({ format: 'table {{.Image}}', rows: [], headers }), 'IMAGE\n');
    assert.equal(renderList({ format: 'table {{.Image}}\t{{.Size}}', rows: [], headers }), 'IMAGE     SIZE\n');
    assert.equal(renderList({ format: '{{.Image}}', rows: [], headers }), '');
  });

  it('prints one line per row for plain templates', () => {
    assert.equal(renderList({ format: '{{.Image}}', rows, headers }), 'ubuntu\nubuntu\n');
    assert.equal(renderList({ format: '{{.ID}}: {{.Names}}\\n', rows, headers }), 'containerID1: foobar_baz\n\ncontainerID2: foobar_bar\n\n');
  });

  it('prints a JSON object per line for "json"', () => {
    assert.equal(renderList({ format: 'json', rows: [{ Name: 'test' }], headers }), '{"Name":"test"}\n');
  });

  it("keeps column names intact in headers when docker's functions are applied", () => {
    // docker/cli's container-context-write-special-headers golden file.
    const format =
      'table {{truncate .ID 5}}\t{{json .Image}} {{.RunningFor}}/{{title .Status}}/{{pad .Ports 2 2}}.{{upper .Names}} {{lower .Status}}';
    const special = [
      { ID: 'containerID1', Image: 'ubuntu', RunningFor: '24 hours ago', Status: '', Ports: '', Names: 'foobar_baz' },
      { ID: 'containerID2', Image: 'ubuntu', RunningFor: '24 hours ago', Status: '', Ports: '', Names: 'foobar_bar' },
    ];
    const h = { ID: 'CONTAINER ID', Image: 'IMAGE', RunningFor: 'CREATED', Status: 'STATUS', Ports: 'PORTS', Names: 'NAMES' };
    assert.equal(
      renderList({ format, rows: special, headers: h }),
      'CONTAINER ID   IMAGE CREATED/STATUS/  PORTS  .NAMES STATUS\nconta          "ubuntu" 24 hours ago//.FOOBAR_BAZ \nconta          "ubuntu" 24 hours ago//.FOOBAR_BAR \n',
    );
    assert.equal(renderList({ format: 'table {{split .Image ":"}}', rows, headers }), 'IMAGE\n[ubuntu]\n[ubuntu]\n');
  });

  it('derives label headers from the key\'s last dotted part', () => {
    const labelled = [{ Label: (k: string): string => (k === 'com.example.app-name' ? 'web' : '') }];
    assert.equal(renderList({ format: 'table {{.Label "com.example.app-name"}}', rows: labelled, headers: {} }), 'app name\nweb\n');
    assert.equal((headerContext({}).Label as (k: string) => string)('com.docker.swarm.node_name'), 'node name');
  });

  it('shows <no value> in the header of an unknown column, as docker does', () => {
    assert.equal(renderList({ format: 'table {{.Nope}}', rows: [], headers }), '<no value>\n');
  });

  it("words errors as docker does", () => {
    assert.throws(() => compileFormat('{{InvalidFunction}}'), new FormatError('template parsing error: template: :1: function "InvalidFunction" not defined'));
    assert.throws(
      () => renderList({ format: '{{nil}}', rows, headers }),
      new FormatError('template parsing error: template: :1:2: executing "" at <nil>: nil is not a command'),
    );
    assert.throws(() => renderList({ format: 'table {{.ID', rows, headers }), new FormatError('template parsing error: template: :1: unclosed action'));
  });
});
