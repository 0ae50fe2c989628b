// Yes/no questions before destructive commands (prune), as docker asks them.

import type { Ctx } from './command.js';

/** Ask on stdout, read one line from stdin; only "y" or "yes" (any case) is a yes. */
export async function confirm(ctx: Ctx, question: string): Promise<boolean> {
  ctx.stdout.write(`${question} [y/N] `);
  const stdin = ctx.stdin;
  const line = await new Promise<string>((resolve) => {
    let buf = '';
    const onData = (chunk: Buffer | string): void => {
      buf += chunk.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.slice(0, nl));
    };
    const onEnd = (): void => done(buf);
    const done = (text: string): void => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
      resolve(text);
    };
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.resume();
  });
  const answer = line.trim().toLowerCase();
  return answer === 'y' || answer === 'yes';
}
