import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joinContinuations, parseDockerfile, parseInstructionText } from './dockerfile.js';

describe('dockerfile', () => {
  it('reads directives, meta ARGs, stages, flags, JSON form', () => {
    const df = parseDockerfile([
      '# syntax=docker/dockerfile:1',
      'ARG BASE=busybox',
      'FROM --platform=linux/amd64 ${BASE} AS Build',
      'RUN echo a \\',
      '  # a comment inside the continuation',
      '',
      '  && echo b',
      'CMD ["sh", "-c", "echo hi there"]',
      'COPY --from=build --chown=1:2 a b /dst/',
      'FROM scratch',
      'COPY --from=build /x /x',
    ].join('\n'));
    assert.equal(df.escape, '\\');
    assert.deepEqual(df.metaArgs.map((a) => a.args), ['BASE=busybox']);
    assert.equal(df.stages.length, 2);
    const [b, s] = df.stages;
    assert.equal(b!.name, 'build');
    assert.deepEqual(b!.from.flags, [['platform', 'linux/amd64']]);
    assert.equal(b!.from.args, '${BASE} AS Build');
    const run = b!.instructions[0]!;
    assert.equal(run.line, 4);
    assert.equal(run.args, 'echo a   && echo b');
    assert.equal(run.original, 'RUN echo a   && echo b');
    assert.deepEqual(b!.instructions[1]!.json, ['sh', '-c', 'echo hi there']);
    assert.deepEqual(b!.instructions[2]!.flags, [['from', 'build'], ['chown', '1:2']]);
    assert.equal(b!.instructions[2]!.args, 'a b /dst/');
    assert.equal(s!.name, undefined);
    assert.equal(s!.instructions.length, 1);
  });

  it('honours the escape directive', () => {
    const df = parseDockerfile('# escape=`\nFROM busybox\nRUN echo a `\n  b\n');
    assert.equal(df.escape, '`');
    assert.equal(df.stages[0]!.instructions[0]!.args, 'echo a   b');
  });

  it('cuts heredocs', () => {
    const df = parseDockerfile('FROM busybox\nRUN <<EOF\necho hello\n# kept\nEOF\nCOPY <<-"EOT" /y\n\thi $X\n\tEOT\nRUN echo after\n');
    const [run, copy, after] = df.stages[0]!.instructions;
    assert.equal(run!.args, '<<EOF');
    assert.deepEqual(run!.heredocs, [{ name: 'EOF', body: 'echo hello\n# kept\n', chomp: false, quoted: false }]);
    assert.equal(copy!.args, '<<-"EOT" /y');
    assert.deepEqual(copy!.heredocs, [{ name: 'EOT', body: 'hi $X\n', chomp: true, quoted: true }]);
    assert.equal(after!.line, 9);
  });

  it('names the line of an error, as docker does', () => {
    assert.throws(() => parseDockerfile('FROM busybox\nRUN true\nFOOBAR x\n'), { message: 'dockerfile parse error on line 3: unknown instruction: FOOBAR' });
    assert.throws(() => parseDockerfile('RUN true\n'), /line 1: no build stage in current context/);
    assert.throws(() => parseDockerfile('FROM a b\n'), /line 1: FROM requires either one or three arguments/);
    assert.throws(() => parseDockerfile('FROM a\nCOPY --bogus=1 a b\n'), /line 2: unknown flag: bogus/);
    assert.throws(() => parseDockerfile('FROM a\nRUN\n'), /line 2: RUN requires at least one argument/);
    assert.throws(() => parseDockerfile('# just a comment\n'), /file with no instructions/);
  });

  it('joins continuations and parses trigger text', () => {
    assert.equal(joinContinuations('a \\\n b \\\n\n c', '\\'), 'a  b  c');
    const t = parseInstructionText('RUN echo trig', 5);
    assert.equal(t.cmd, 'run');
    assert.equal(t.args, 'echo trig');
  });
});
