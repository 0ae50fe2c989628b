// iptables and ip6tables (Debian's, nf_tables or legacy backend), driven with iptables-restore
// so a change of many rules is one process and one atomic transaction.
import { runCommand } from './command.js';

/** 4: iptables, 6: ip6tables. */
export type IpFamily = 4 | 6;

const tool = (family: IpFamily, what: 'restore' | 'save') => `${family === 6 ? 'ip6tables' : 'iptables'}-${what}`;

/** Applies restore-format text without flushing tables (only the chains it declares). */
export async function iptablesRestore(text: string, family: IpFamily = 4): Promise<void> {
  await runCommand(tool(family, 'restore'), ['-w', '--noflush'], { input: text, timeoutMs: 30_000 });
}

/** The rules of one table, in iptables-save's format. */
export async function iptablesSave(table: 'filter' | 'nat' | 'raw', family: IpFamily = 4): Promise<string> {
  return (await runCommand(tool(family, 'save'), ['-t', table], { timeoutMs: 30_000 })).stdout;
}
