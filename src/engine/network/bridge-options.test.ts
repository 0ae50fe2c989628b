import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bridgeSettings } from './bridge-options.js';

test('bridge options: defaults, Go booleans, an MTU, a host binding; unknown options are ignored', () => {
  assert.deepEqual(bridgeSettings(undefined), { icc: true, masquerade: true, hostBindingIpv4: '0.0.0.0' });
  assert.deepEqual(bridgeSettings({
    'com.docker.network.bridge.enable_icc': 'F',
    'com.docker.network.bridge.enable_ip_masquerade': 'false',
    'com.docker.network.driver.mtu': '1400',
    'com.docker.network.bridge.host_binding_ipv4': '127.0.0.1',
    'com.example.other': 'x',
  }), { icc: false, masquerade: false, mtu: 1400, hostBindingIpv4: '127.0.0.1' });
  // "0" (and empty) is libnetwork's "no MTU given".
  assert.equal(bridgeSettings({ 'com.docker.network.driver.mtu': '0' }).mtu, undefined);
});

test('bridge options that do not parse are refused, naming the option', () => {
  for (const [k, v, msg] of [
    ['com.docker.network.bridge.enable_icc', 'no', /want true or false/],
    ['com.docker.network.driver.mtu', '9x', /want an MTU from 68 to 65535/],
    ['com.docker.network.driver.mtu', '67', /want an MTU/],
    ['com.docker.network.bridge.host_binding_ipv4', '::1', /want an IPv4 address/],
  ] as const) {
    assert.throws(() => bridgeSettings({ [k]: v }), { name: 'InvalidArgumentError', message: new RegExp(`invalid value "${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" for option ${k.replace(/\./g, '\\.')}: ${msg.source}`) });
  }
});

test('leniently, an option that does not parse takes its default and the others still count', () => {
  assert.deepEqual(bridgeSettings({ 'com.docker.network.driver.mtu': 'big', 'com.docker.network.bridge.enable_icc': 'false' }, true), { icc: false, masquerade: true, hostBindingIpv4: '0.0.0.0' });
});
