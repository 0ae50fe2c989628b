// iptables (Debian's, nf_tables or legacy backend), driven with iptables-restore so a change of
// many rules is one process and one atomic transaction.
import { runCommand } from './command.js';

/** Applies restore-format text without flushing tables (only the chains it declares). */
export async function iptablesRestore(text: string): Promise<void> {
  await runCommand('iptables-restore', ['-w', '--noflush'], { input: text, timeoutMs: 30_000 });
}

/** The rules of one table, in iptables-save's format. */
export async function iptablesSave(table: 'filter' | 'nat' | 'raw'): Promise<string> {
  return (await runCommand('iptables-save', ['-t', table], { timeoutMs: 30_000 })).stdout;
}
