// Applies the daemon's iptables rules (firewall-rules.ts) and keeps them in step with the bridge
// networks that are up and the ports published. One instance per address family: the IPv6 one
// (ip6tables, same chain names) holds the networks that have IPv6 and no published ports. Changes are serialized; a network change rewrites
// the daemon's chains in one transaction, a container's ports add or delete only their own rules.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { iptablesRestore as restore, iptablesSave as save, type IpFamily } from '../../host/iptables.js';
import {
  chainNames, forwardPolicyDrop, fullRuleset, jumpRules, portRuleset, presentIn, teardownRuleset, type ChainNames, type FirewallNetwork, type PortRule,
} from './firewall-rules.js';

export class Firewall {
  readonly chains: ChainNames;
  private readonly networks = new Map<string, FirewallNetwork>();
  private readonly ports = new Map<string, PortRule[]>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Whether this process has installed the jumps and chains. */
  private installed = false;

  constructor(prefix: string, private readonly markerFile: string, readonly family: IpFamily = 4) {
    this.chains = chainNames(prefix);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async present(): Promise<{ jumps: Set<string>; chains: Set<string> }> {
    const [filter, nat, raw] = await Promise.all([save('filter', this.family), save('nat', this.family), save('raw', this.family)]);
    return presentIn(filter + '\n' + nat + '\n' + raw, this.chains);
  }

  private async rewrite(): Promise<void> {
    // Once installed, every jump is there and the rewrite must not add it again.
    const all = jumpRules(this.chains);
    const present = this.installed ? new Set([...all.filter, ...all.nat, ...all.raw]) : (await this.present()).jumps;
    if (!this.installed) {
      await fs.mkdir(path.dirname(this.markerFile), { recursive: true });
      await fs.writeFile(this.markerFile, '');
    }
    await restore(fullRuleset(this.chains, [...this.networks.values()], [...this.ports.values()].flat(), present), this.family);
    this.installed = true;
  }

  /** A bridge network is up (or changed): its rules join the daemon's chains. */
  setNetwork(id: string, n: FirewallNetwork): Promise<void> {
    return this.serial(async () => {
      this.networks.set(id, n);
      await this.rewrite();
    });
  }

  dropNetwork(id: string): Promise<void> {
    return this.serial(async () => {
      if (!this.networks.delete(id)) return;
      await this.rewrite();
    });
  }

  /** Publishes ports of one endpoint (key). */
  addPorts(key: string, rules: PortRule[]): Promise<void> {
    if (!rules.length) return Promise.resolve();
    return this.serial(async () => {
      this.ports.set(key, rules);
      if (!this.installed) await this.rewrite();
      else {
        try {
          await restore(portRuleset(this.chains, rules, '-A'), this.family);
        } catch (e) {
          this.ports.delete(key);
          throw e;
        }
      }
    });
  }

  /** Removes an endpoint's ports; `rules` are used when this process never added them (a restart). */
  removePorts(key: string, rules: PortRule[]): Promise<void> {
    const known = this.ports.get(key) ?? rules;
    this.ports.delete(key);
    if (!known.length) return Promise.resolve();
    return this.serial(async () => {
      await restore(portRuleset(this.chains, known, '-D'), this.family).catch(() => undefined);
    });
  }

  /** Re-registers ports of endpoints found running at daemon start (written by the next rewrite). */
  adoptPorts(key: string, rules: PortRule[]): void {
    if (rules.length) this.ports.set(key, rules);
  }

  /**
   * Forwarding was off and berth turned it on: as dockerd, the FORWARD policy becomes DROP, so
   * the host routes nothing but what the daemon's chains accept for its bridges.
   */
  dropForwardByDefault(): Promise<void> {
    return this.serial(() => restore(forwardPolicyDrop(), this.family));
  }

  /** Removes every rule, chain and jump of this daemon (when it stops with nothing running). */
  teardown(): Promise<void> {
    return this.serial(async () => {
      this.networks.clear();
      this.ports.clear();
      if (!this.installed && !existsSync(this.markerFile)) return;
      const { jumps, chains } = await this.present();
      if (jumps.size || chains.size) await restore(teardownRuleset(this.chains, jumps, chains), this.family);
      this.installed = false;
      await fs.rm(this.markerFile, { force: true });
    });
  }
}
