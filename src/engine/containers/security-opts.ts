// --security-opt, read as dockerd reads it (moby daemon_unix.go parseSecurityOpt), with its
// messages: checked at create, so a bad option is a 400 there and never a failed start. What
// this host cannot honour (AppArmor, SELinux labels) is refused rather than silently ignored.
import { InvalidArgumentError } from '../../errors.js';
import { parseProfile, type SeccompProfile } from './seccomp.js';

export interface SecurityOptions {
  noNewPrivileges: boolean;
  writableCgroups?: boolean;
  /** 'default' (the daemon's), 'unconfined', or a profile sent inline. */
  seccomp: 'default' | 'unconfined' | SeccompProfile;
}

function parseBool(v: string, opt: string): boolean {
  if (/^(1|t|true)$/i.test(v)) return true;
  if (/^(0|f|false)$/i.test(v)) return false;
  throw new InvalidArgumentError(`invalid --security-opt 2: "${opt}"`);
}

export function parseSecurityOpts(opts: readonly string[] | null | undefined): SecurityOptions {
  const out: SecurityOptions = { noNewPrivileges: false, seccomp: 'default' };
  for (const opt of opts ?? []) {
    if (typeof opt !== 'string') throw new InvalidArgumentError('SecurityOpt must be a list of strings');
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    if (opt === 'writable-cgroups') {
      out.writableCgroups = true;
      continue;
    }
    if (opt === 'disable') continue; // label=disable: no SELinux labels, which is what berth does
    // '=' is the separator; ':' is docker's deprecated one, still accepted.
    const sep = opt.includes('=') ? '=' : opt.includes(':') ? ':' : '';
    if (!sep) throw new InvalidArgumentError(`invalid --security-opt 1: "${opt}"`);
    const i = opt.indexOf(sep);
    const k = opt.slice(0, i);
    const v = opt.slice(i + 1);
    switch (k) {
      case 'seccomp':
        if (v === 'unconfined') out.seccomp = 'unconfined';
        else if (v === 'builtin' || v === 'default') out.seccomp = 'default';
        else out.seccomp = parseProfile(v);
        break;
      case 'no-new-privileges':
        out.noNewPrivileges = parseBool(v, opt);
        break;
      case 'writable-cgroups':
        out.writableCgroups = parseBool(v, opt);
        break;
      case 'apparmor':
        // dockerd ignores a profile when the host has no AppArmor; berth says so instead.
        if (v !== 'unconfined') throw new InvalidArgumentError(`AppArmor is not enabled on this host: cannot apply profile "${v}" (only apparmor=unconfined is accepted)`);
        break;
      case 'label':
        if (v !== 'disable') throw new InvalidArgumentError(`SELinux is not enabled on this host: cannot apply label option "${v}" (only label=disable is accepted)`);
        break;
      default:
        throw new InvalidArgumentError(`invalid --security-opt 2: "${opt}"`);
    }
  }
  return out;
}
