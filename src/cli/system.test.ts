import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientOnly } from './system.js';

test('version: a template that reads only .Client needs no daemon', () => {
  assert.equal(clientOnly('{{.Client.Version}}'), true);
  assert.equal(clientOnly('{{json .Client}}'), true);
  assert.equal(clientOnly('{{.Client.Os}}/{{.Client.Arch}}'), true);
  assert.equal(clientOnly('{{.Server.Version}}'), false);
  assert.equal(clientOnly('{{.Client.Version}} {{.Server.Version}}'), false);
  assert.equal(clientOnly('{{json .}}'), false);
  assert.equal(clientOnly('{{.}}'), false);
  assert.equal(clientOnly('{{.ClientX}}'), false);
  assert.equal(clientOnly('{{with $v := .Client}}{{$v.Version}}{{end}}'), false);
  assert.equal(clientOnly('json'), false);
});
