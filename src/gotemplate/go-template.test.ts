import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { compileTemplate, DOCKER_FUNCS, fieldsOnly, renderFields, TemplateError } from './go-template.js';
import { GO_BUILTINS } from './template-builtins.js';
import { executeTemplate } from './template-exec.js';
import { parseTemplate } from './template-parser.js';

/** Renders like docker: Go builtins plus docker's functions. */
const render = (text: string, data?: unknown): string => compileTemplate(text, { funcs: DOCKER_FUNCS }).execute(data);

const parseError = (text: string): string => {
  try {
    compileTemplate(text, { funcs: DOCKER_FUNCS });
  } catch (e) {
    assert.ok(e instanceof TemplateError);
    assert.equal(e.phase, 'parse');
    return e.message;
  }
  return assert.fail(`${text} parsed`);
};

const execError = (text: string, data?: unknown): string => {
  try {
    render(text, data);
  } catch (e) {
    assert.ok(e instanceof TemplateError);
    assert.equal(e.phase, 'exec');
    return e.message;
  }
  return assert.fail(`${text} executed`);
};

const container = {
  Id: 'abc',
  Name: '/web',
  Config: { Labels: { 'com.example.tier': 'front', foo: 'bar' }, Cmd: ['sh', '-c', 'sleep 1'], Env: null },
  State: { Running: true, Pid: 4242, Health: null, ExitCode: 0 },
  Mounts: [],
  Size: 1.5,
};

describe('text and fields', () => {
  it('copies text outside actions and prints fields', () => {
    assert.equal(render('id={{.Id}} name={{.Name}}!', container), 'id=abc name=/web!');
    assert.equal(render('{{.State.Pid}} {{.State.Running}} {{.Size}}', container), '4242 true 1.5');
    assert.equal(render('plain text'), 'plain text');
    assert.equal(render(''), '');
  });

  it('looks up map keys with field syntax', () => {
    assert.equal(render('{{.Config.Labels.foo}}', container), 'bar');
  });

  it('prints <no value> for missing keys and nil values, however deep', () => {
    assert.equal(render('{{.Nope}}', container), '<no value>');
    assert.equal(render('{{.Nope.Deeper}}', container), '<no value>');
    assert.equal(render('{{.State.Health}}', container), '<no value>');
    assert.equal(render('{{.}}'), '<no value>');
  });

  it('fails on a field of a nil value inside a chain, as Go does', () => {
    assert.equal(
      execError('{{.State.Health.Status}}', container),
      'template: :1:8: executing "" at <.State.Health.Status>: nil pointer evaluating interface {}.Status',
    );
  });

  it('prints maps with sorted keys, slices bracketed, dot itself', () => {
    assert.equal(render('{{.Config.Labels}}', container), 'map[com.example.tier:front foo:bar]');
    assert.equal(render('{{.Config.Cmd}}', container), '[sh -c sleep 1]');
    assert.equal(render('{{.Mounts}} {{.Config.Env}}', container), '[] <no value>');
    assert.equal(render('{{.}}', 'text'), 'text');
  });

  it('treats class instances as structs: exported members only, missing ones are errors', () => {
    class Row {
      internal = 'hidden';
      Name = 'web';
      Label(key: string): string {
        return `label:${key}`;
      }
    }
    assert.equal(render('{{.Name}} {{.Label "com.example"}}', new Row()), 'web label:com.example');
    assert.equal(execError('{{.Nope}}', new Row()), 'template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type Row');
    assert.equal(execError('{{.internal}}', new Row()), 'template: :1:2: executing "" at <.internal>: can\'t evaluate field internal in type Row');
    assert.equal(execError('{{.Name "x"}}', new Row()), 'template: :1:2: executing "" at <.Name>: Name has arguments but cannot be invoked as function');
    assert.equal(execError('{{.Label}}', new Row()), 'template: :1:2: executing "" at <.Label>: wrong number of args for Label: want 1 got 0');
  });

  it('calls functions stored in a map with arguments, like methods', () => {
    const data = { Label: (key: string): string => (key === 'a' ? 'yes' : '') };
    assert.equal(render('[{{.Label "a"}}][{{.Label "b"}}]', data), '[yes][]');
    assert.equal(execError('{{.Id "x"}}', container), 'template: :1:2: executing "" at <.Id>: Id is not a method but has arguments');
  });

  it('cannot take fields of scalars', () => {
    assert.equal(execError('{{.Id.Length}}', container), 'template: :1:5: executing "" at <.Id.Length>: can\'t evaluate field Length in type string');
  });
});

describe('trim markers and comments', () => {
  it('trims spaces (including newlines) next to {{- and -}}', () => {
    assert.equal(render('a  \n {{- .Id -}} \n  b', container), 'aabcb');
    assert.equal(render('{{.Id}} {{- " x" }}', container), 'abc x');
    assert.equal(render('a {{- /* note */ -}} b'), 'ab');
    assert.equal(render('a {{/* note */}} b'), 'a  b');
  });

  it('keeps a minus that is not a trim marker', () => {
    assert.equal(render('{{-3}}'), '-3');
  });

  it('allows newlines inside actions', () => {
    assert.equal(render('{{if\n.State.Running}}up{{end}}', container), 'up');
  });
});

describe('literals and pipelines', () => {
  it('evaluates literals', () => {
    assert.equal(render('{{"a\\tb"}}|{{`raw\\n`}}|{{42}}|{{-1.5}}|{{true}}|{{0x1F}}|{{\'a\'}}|{{1_000}}'), 'a\tb|raw\\n|42|-1.5|true|31|97|1000');
  });

  it('passes a pipeline value as the last argument', () => {
    assert.equal(render('{{.Name | printf "%s!"}}', container), '/web!');
    assert.equal(render('{{join .Config.Cmd " " | printf "%q"}}', container), '"sh -c sleep 1"');
    // The piped value is the last argument: join gets (" ", Cmd), which Go refuses.
    assert.equal(
      execError('{{.Config.Cmd | join " "}}', container),
      'template: :1:21: executing "" at <" ">: can\'t handle " " for arg of type []string',
    );
    assert.equal(render('{{.Config.Labels | json}}', container), '{"com.example.tier":"front","foo":"bar"}');
  });

  it('evaluates parenthesised pipelines and fields of them', () => {
    assert.equal(render('{{printf "%s-%s" (index .Config.Cmd 0) (.Name)}}', container), 'sh-/web');
    assert.equal(render('{{(.State).Pid}}', container), '4242');
  });
});

describe('variables', () => {
  it('declares, reads and assigns variables; $ is the root', () => {
    assert.equal(render('{{$n := .Name}}{{$n}}', container), '/web');
    assert.equal(render('{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}'), '2');
    assert.equal(render('{{with .State}}{{$.Name}} {{.Pid}}{{end}}', container), '/web 4242');
    assert.equal(render('{{$c := .Config}}{{$c.Labels.foo}}', container), 'bar');
  });

  it('scopes variables to their control structure', () => {
    assert.equal(parseError('{{if true}}{{$x := 1}}{{end}}{{$x}}'), 'template: :1: undefined variable "$x"');
  });
});

describe('if, else if, else, with', () => {
  it('branches on Go truth', () => {
    const t = '{{if .A}}a{{else if .B}}b{{else}}c{{end}}';
    assert.equal(render(t, { A: 1, B: 1 }), 'a');
    assert.equal(render(t, { A: 0, B: 'x' }), 'b');
    assert.equal(render(t, { A: '', B: [] }), 'c');
    assert.equal(render(t, { A: {}, B: null }), 'c');
    assert.equal(render(t, { A: { k: 1 }, B: null }), 'a');
  });

  it('sets dot with "with", and takes an else', () => {
    assert.equal(render('{{with .Config.Labels.foo}}[{{.}}]{{else}}none{{end}}', container), '[bar]');
    assert.equal(render('{{with .Missing}}[{{.}}]{{else}}none{{end}}', container), 'none');
    assert.equal(render('{{with .A}}a{{else with .B}}b={{.}}{{end}}', { B: 2 }), 'b=2');
  });
});

describe('range', () => {
  it('iterates slices, with index and element variables', () => {
    assert.equal(render('{{range .Config.Cmd}}<{{.}}>{{end}}', container), '<sh><-c><sleep 1>');
    assert.equal(render('{{range $i, $e := .Config.Cmd}}{{$i}}={{$e}} {{end}}', container), '0=sh 1=-c 2=sleep 1 ');
    assert.equal(render('{{range $e := .}}{{$e}}{{end}}', ['x', 'y']), 'xy');
  });

  it('iterates maps in sorted key order', () => {
    assert.equal(render('{{range $k, $v := .}}{{$k}}={{$v}};{{end}}', { b: 2, a: 1, c: 3 }), 'a=1;b=2;c=3;');
  });

  it('runs else for empty or missing collections', () => {
    assert.equal(render('{{range .Mounts}}x{{else}}no mounts{{end}}', container), 'no mounts');
    assert.equal(render('{{range .Nothing}}x{{else}}nothing{{end}}', container), 'nothing');
  });

  it('supports break and continue', () => {
    assert.equal(render('{{range .}}{{if eq . 2}}{{continue}}{{end}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}', [1, 2, 3, 4, 5]), '13');
    assert.equal(parseError('{{break}}'), 'template: :1: {{break}} outside {{range}}');
  });

  it('counts over an integer (Go 1.22)', () => {
    assert.equal(render('{{range 3}}{{.}}{{end}}'), '012');
  });

  it('refuses to range over scalars', () => {
    assert.equal(execError('{{range .Name}}{{end}}', container), 'template: :1:8: executing "" at <.Name>: range can\'t iterate over /web');
  });
});

describe('define, template, block', () => {
  it('invokes named templates with their own dot', () => {
    assert.equal(render('{{define "item"}}<{{.}}>{{end}}{{range .}}{{template "item" .}}{{end}}', ['a', 'b']), '<a><b>');
    assert.equal(render('{{block "b" .}}[{{.}}]{{end}}', 'x'), '[x]');
    assert.equal(execError('{{template "nope"}}'), 'template: :1:11: executing "" at <{{template "nope"}}>: template "nope" not defined');
  });
});

describe('comparison and logic functions', () => {
  it('compares basic values', () => {
    assert.equal(render('{{eq 1 1}} {{eq "a" "b"}} {{eq 2 1 2}} {{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}}'), 'true false true true true true true false');
    assert.equal(render('{{eq .Missing "x"}} {{eq .Missing nil}}', {}), 'false true');
  });

  it('reports comparisons Go refuses', () => {
    assert.equal(execError('{{eq 1 "a"}}'), 'template: :1:2: executing "" at <eq 1 "a">: error calling eq: incompatible types for comparison');
    assert.equal(execError('{{lt true false}}'), 'template: :1:2: executing "" at <lt true false>: error calling lt: invalid type for comparison');
    assert.equal(execError('{{eq 1}}'), 'template: :1:2: executing "" at <eq 1>: error calling eq: missing argument for comparison');
  });

  it('short-circuits and/or and returns the deciding value', () => {
    assert.equal(render('{{and 1 0 .X.Y}} {{or 0 "" "z"}} {{and 1 2}} {{or 0 ""}} {{not 0}} {{not "a"}}', {}), '0 z 2  true false');
    assert.equal(render('{{if and .A (not .B)}}yes{{end}}', { A: true, B: false }), 'yes');
  });
});

describe('len, index, slice, print', () => {
  it('measures and indexes like Go', () => {
    assert.equal(render('{{len .Config.Cmd}} {{len .Name}} {{len "日本"}} {{len .Config.Labels}}', container), '3 4 6 2');
    assert.equal(render('{{index .Config.Cmd 1}} {{index .Config.Labels "foo"}} {{index . "Config" "Labels" "foo"}}', container), '-c bar bar');
    // A map of strings is docker's map[string]string: a missing key is "" (as docker inspect
    // prints it); a map of anything else gives a nil interface.
    assert.equal(render('{{index .Config.Labels "nope"}}', container), '');
    assert.equal(render('{{index .Empty "nope"}}', { Empty: {} }), '');
    assert.equal(render('{{index .Nets "nope"}}', { Nets: { bridge: { IPAddress: '10.0.0.2' } } }), '<no value>');
    assert.equal(execError('{{index .Config.Cmd 5}}', container), 'template: :1:2: executing "" at <index .Config.Cmd 5>: error calling index: index out of range: 5');
    assert.equal(render('{{slice .Name 1}} {{slice .Config.Cmd 1 2}}', container), 'web [-c]');
  });

  it('prints with print, printf and println', () => {
    assert.equal(render('{{print 1 2 "a" "b"}}|{{printf "%d-%s" 3 "x"}}|{{println "a" 1}}'), '1 2ab|3-x|a 1\n');
  });

  it('escapes for html, js and urls', () => {
    assert.equal(render('{{html "<a href=\'x\'>&</a>"}}'), '&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
    assert.equal(render('{{js "it\'s <b>"}}'), "it\\'s \\u003Cb\\u003E");
    assert.equal(render('{{urlquery "a b&c/d"}}'), 'a+b%26c%2Fd');
  });

  it('calls function values with call', () => {
    assert.equal(render('{{call .F 2 3}}', { F: (a: number, b: number): number => a * b }), '6');
  });
});

describe("docker's functions", () => {
  it('json: compact, HTML characters left alone, no trailing newline', () => {
    assert.equal(render('{{json .Config}}', container), '{"Labels":{"com.example.tier":"front","foo":"bar"},"Cmd":["sh","-c","sleep 1"],"Env":null}');
    assert.equal(render('{{json "<&>"}}'), '"<&>"');
    assert.equal(render('{{json .Missing}}', {}), 'null');
  });

  it('join, split, title, lower, upper, pad, truncate', () => {
    assert.equal(render('{{join .Config.Cmd ","}}', container), 'sh,-c,sleep 1');
    assert.equal(render('{{split "a:b:c" ":"}} {{len (split "" ",")}}'), '[a b c] 1');
    assert.equal(render('{{title "hello wORLD-foo_bar"}}'), 'Hello WORLD-Foo_bar');
    assert.equal(render('{{lower "ÀB"}} {{upper "àb"}}'), 'àb ÀB');
    assert.equal(render('[{{pad "x" 2 1}}][{{pad "" 2 1}}]'), '[  x ][]');
    assert.equal(render('{{truncate "abcdef" 3}} {{truncate "ab" 3}} {{truncate "abc" 3}}'), 'abc ab abc');
  });

  it('checks argument types as Go does', () => {
    assert.equal(execError('{{join .Name ","}}', container), 'template: :1:7: executing "" at <.Name>: wrong type for value; expected []string; got string');
    assert.equal(execError('{{upper .State.Pid}}', container), 'template: :1:14: executing "" at <.State.Pid>: wrong type for value; expected string; got int');
    assert.equal(execError('{{truncate "abc" "x"}}'), 'template: :1:17: executing "" at <"x">: expected integer; found "x"');
    assert.equal(execError('{{upper}}'), 'template: :1:2: executing "" at <upper>: wrong number of args for upper: want 1 got 0');
  });
});

describe('parse errors, worded as Go words them', () => {
  it('reports them with the line number', () => {
    assert.equal(parseError('{{.ID'), 'template: :1: unclosed action');
    assert.equal(parseError('{{.ID}'), 'template: :1: unexpected "}" in operand');
    assert.equal(parseError('{{InvalidFunction}}'), 'template: :1: function "InvalidFunction" not defined');
    assert.equal(parseError('{{if .X}}'), 'template: :1: unexpected EOF');
    assert.equal(parseError('{{end}}'), 'template: :1: unexpected {{end}}');
    assert.equal(parseError('{{else}}'), 'template: :1: unexpected {{else}}');
    assert.equal(parseError('{{}}'), 'template: :1: missing value for command');
    assert.equal(parseError('{{.X | 3}}'), 'template: :1: non executable command in pipeline stage 2');
    assert.equal(parseError('{{"abc}}'), 'template: :1: unterminated quoted string');
    assert.equal(parseError('{{(.X}}'), 'template: :1: unclosed left paren');
    assert.equal(parseError('{{.X)}}'), 'template: :1: unexpected right paren');
    assert.equal(parseError('{{/* x'), 'template: :1: unclosed comment');
    assert.equal(parseError('{{3x}}'), 'template: :1: bad number syntax: "3x"');
    assert.equal(parseError('{{.X#}}'), "template: :1: bad character U+0023 '#'");
    assert.equal(parseError('{{"a".X}}'), 'template: :1: unexpected . after term "\\"a\\""');
    assert.equal(parseError('{{$x}}'), 'template: :1: undefined variable "$x"');
    assert.equal(parseError('{{range $a, $b, $c := .}}{{end}}'), 'template: :1: too many declarations in range');
    assert.equal(parseError('line one\n{{if}}{{end}}'), 'template: :2: missing value for if');
    assert.equal(parseError('{{with .X}}{{else}}{{else}}{{end}}'), 'template: :1: expected end; found {{else}}');
  });

  it('names the line an action started on when it runs off the end', () => {
    assert.equal(parseError('{{.X\n'), 'template: :2: unclosed action started at :1');
  });
});

describe('execution errors, worded as Go words them', () => {
  it('names the position (line:byte column) and the node', () => {
    assert.equal(execError('{{nil}}'), 'template: :1:2: executing "" at <nil>: nil is not a command');
    assert.equal(execError('ab\ncd {{"a" | len "b"}}'), 'template: :2:11: executing "" at <len>: wrong number of args for len: want 1 got 2');
    // Columns count bytes: "é" is two.
    assert.equal(execError('é{{.X.Y}}', { X: 'x' }), 'template: :1:6: executing "" at <.X.Y>: can\'t evaluate field Y in type string');
    assert.equal(execError('{{"x" 1}}'), 'template: :1:2: executing "" at <"x">: can\'t give argument to non-function "x"');
  });

  it('refuses to print functions', () => {
    assert.equal(execError('{{.G}}', { G: (n: number): number => n }), 'template: :1:2: executing "" at <{{.G}}>: can\'t print {{.G}} of type func');
  });

  it('keeps what was rendered before the error', () => {
    try {
      render('ok {{.A.B}}', { A: 'x' });
      assert.fail('no error');
    } catch (e) {
      assert.ok(e instanceof TemplateError);
      assert.equal(e.output, 'ok ');
    }
  });
});

describe('execute-time function overrides', () => {
  it("replaces functions for one execution, like Go's Funcs after Parse", () => {
    const t = compileTemplate('{{upper .}}', { funcs: DOCKER_FUNCS });
    assert.equal(t.execute('a'), 'A');
    assert.equal(t.execute('a', { funcs: { upper: (s: string): string => `[${s}]` } }), '[a]');
  });
});

describe('templates of text and single fields (the tables\' fast path)', () => {
  class Row {
    Plain = 'p';
    Num = 7;
    constructor(private readonly name: string) {}
    Name(): string {
      return this.name;
    }
    Nothing(): null {
      return null;
    }
    Boom(): string {
      throw new Error('getter failed');
    }
    Arg(x: string): string {
      return x;
    }
  }
  const generic = (text: string, data: unknown): string => executeTemplate(text, parseTemplate(text, (n) => GO_BUILTINS.has(n)), GO_BUILTINS, data);

  it('takes only text and {{.Field}} actions', () => {
    const parts = (t: string) => fieldsOnly(parseTemplate(t, (n) => GO_BUILTINS.has(n)));
    assert.deepEqual(parts('a{{.X}}\t{{ .Y }}b'), { texts: ['a', '\t', 'b'], names: ['X', 'Y'] });
    assert.deepEqual(parts('{{- .X -}}  {{.Y}}'), { texts: ['', '', ''], names: ['X', 'Y'] });
    for (const t of ['no actions', '{{.X.Y}}', '{{.X | printf "%s"}}', '{{$x := .X}}', '{{.Label "a"}}', '{{if .X}}y{{end}}', '{{.}}', '{{$.X}}']) {
      assert.equal(parts(t), undefined, t);
    }
  });

  it('renders a struct row exactly as the walk does, and leaves every other case to it', () => {
    const row = new Row('web');
    for (const t of ['{{.Name}}\t{{.Plain}}', 'x{{.Name}}y{{.Name}}z', '{{.Num}}', '{{.Nothing}}', '{{.Missing}}|', '{{.Name}} {{.Arg}}']) {
      let want: string | Error;
      try {
        want = generic(t, row);
      } catch (e) {
        want = e as Error;
      }
      if (want instanceof Error) assert.throws(() => compileTemplate(t).execute(row), { message: want.message }, t);
      else assert.equal(compileTemplate(t).execute(row), want, t);
    }
    assert.equal(compileTemplate('{{.Name}}').execute(row), 'web');
    assert.equal(renderFields({ texts: ['', ''], names: ['Num'] }, row), undefined, 'a number is printed by the walk');
    assert.equal(renderFields({ texts: ['', ''], names: ['Boom'] }, row), undefined, 'a throwing getter is the walk\'s to report');
    assert.throws(() => compileTemplate('{{.Boom}}').execute(row), TemplateError);
    // A map's missing key prints "<no value>": the walk's rule, not the fast path's.
    assert.equal(compileTemplate('{{.Name}}|{{.Gone}}').execute({ Name: 'm' }), 'm|<no value>');
  });
});
