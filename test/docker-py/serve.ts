// Starts a test berthd for docker-py's integration suite (test/docker-py/run.sh) and keeps it up
// until SIGTERM: busybox is tagged under every image name the suite uses, so it never pulls.
import { writeFileSync } from 'node:fs';
import { startDaemon } from '../integration/harness.js';

const TAGS = ['alpine:3.10', 'alpine:latest', 'busybox:buildroot-2014.02', 'hello-world:latest'];

const d = await startDaemon('docker-py');
for (const tag of TAGS) {
  const [repo, t] = tag.split(':');
  const r = await d.api('POST', `/images/busybox:latest/tag?repo=${repo}&tag=${t}`);
  if (r.status !== 201) throw new Error(`tag ${tag}: ${r.status} ${r.text}`);
}
writeFileSync(process.argv[2]!, d.host + '\n');
const stop = async () => {
  const leaks = await d.stop();
  if (leaks.length) process.stderr.write(`leaked: ${leaks.join(', ')}\n`);
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
