import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyChanges } from './changes.js';

describe('applyChanges', () => {
  it('takes CMD and ENTRYPOINT in JSON and shell form', () => {
    assert.deepEqual(applyChanges({}, ['CMD ["sh"]']).Cmd, ['sh']);
    assert.deepEqual(applyChanges({}, ['cmd echo "hi there"']).Cmd, ['/bin/sh', '-c', 'echo "hi there"']);
    assert.deepEqual(applyChanges({ Shell: ['/bin/ash', '-c'] }, ['CMD ls']).Cmd, ['/bin/ash', '-c', 'ls']);
    const e = applyChanges({ Cmd: ['inherited'] }, ['ENTRYPOINT ["/init"]']);
    assert.deepEqual(e.Entrypoint, ['/init']);
    assert.equal(e.Cmd, null, 'a new ENTRYPOINT drops an inherited CMD');
    const both = applyChanges({}, ['CMD ["a"]', 'ENTRYPOINT top -b']);
    assert.deepEqual(both.Cmd, ['a']);
    assert.deepEqual(both.Entrypoint, ['/bin/sh', '-c', 'top -b']);
  });

  it('takes ENV and LABEL pairs, quoted, legacy form, replacing and expanding', () => {
    const c = applyChanges({ Env: ['PATH=/bin', 'A=old'] }, [
      'ENV A=new B="two words" C=$PATH:/x',
      'ENV LEGACY value with spaces',
      'LABEL org.x="a b" plain=c',
      'LABEL "quoted key"=v',
    ]);
    assert.deepEqual(c.Env, ['PATH=/bin', 'A=new', 'B=two words', 'C=/bin:/x', 'LEGACY=value with spaces']);
    assert.deepEqual(c.Labels, { 'org.x': 'a b', plain: 'c', 'quoted key': 'v' });
  });

  it('takes EXPOSE, VOLUME, WORKDIR, USER, STOPSIGNAL, ONBUILD', () => {
    const c = applyChanges({ WorkingDir: '/app' }, [
      'EXPOSE 80 53/udp 8000-8002',
      'VOLUME ["/data", "/logs"]',
      'VOLUME /cache /tmp/x',
      'WORKDIR sub',
      'USER nobody:nogroup',
      'STOPSIGNAL SIGINT',
      'ONBUILD run echo hi',
    ]);
    assert.deepEqual(Object.keys(c.ExposedPorts ?? {}), ['80/tcp', '53/udp', '8000/tcp', '8001/tcp', '8002/tcp']);
    assert.deepEqual(Object.keys(c.Volumes ?? {}), ['/data', '/logs', '/cache', '/tmp/x']);
    assert.equal(c.WorkingDir, '/app/sub');
    assert.equal(applyChanges(c, ['WORKDIR /abs']).WorkingDir, '/abs');
    assert.equal(c.User, 'nobody:nogroup');
    assert.equal(c.StopSignal, 'SIGINT');
    assert.deepEqual(c.OnBuild, ['RUN echo hi']);
  });

  it('joins continuation lines, skips comments, refuses other instructions as docker does', () => {
    assert.deepEqual(applyChanges({}, ['# comment\nENV A=1 \\\n  B=2']).Env, ['A=1', 'B=2']);
    assert.throws(() => applyChanges({}, ['RUN echo']), { message: 'run is not a valid change command' });
    assert.throws(() => applyChanges({}, ['FROM busybox']), { message: 'from is not a valid change command' });
    assert.throws(() => applyChanges({}, ['EXPOSE 80-70']), /invalid range/);
    assert.throws(() => applyChanges({}, ['ENV A="unterminated']), /double-quote/);
  });

  it('does not change its input', () => {
    const base = { Env: ['A=1'], Labels: { x: 'y' } };
    applyChanges(base, ['ENV A=2', 'LABEL x=z']);
    assert.deepEqual(base, { Env: ['A=1'], Labels: { x: 'y' } });
  });
});
