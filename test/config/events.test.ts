/** HERALD_EVENTS and HERALD_FORMAT: event switches without code, every mistake reported. */
import { describe, expect, it } from 'vitest';
import { readEventSettings } from '../../src/config/events.js';

describe('readEventSettings', () => {
  it('reads on/off/silent per event and the format', () => {
    const r = readEventSettings({ HERALD_EVENTS: 'order.submitted=on, order.filled=silent,position.increased=OFF', HERALD_FORMAT: ' Plain ' });
    expect(r.problems).toEqual([]);
    expect(r.settings).toEqual({ events: { 'order.submitted': 'on', 'order.filled': 'silent', 'position.increased': 'off' }, format: 'plain' });
  });

  it('nothing set: no switches and no format', () => {
    expect(readEventSettings({})).toEqual({ settings: { events: {} }, problems: [] });
  });

  it('reports an unknown event, a missing or unknown value and an unknown format, all together', () => {
    const r = readEventSettings({ HERALD_EVENTS: 'order.fill=on,order.filled,error=loud,session.started=off', HERALD_FORMAT: 'html' });
    expect(r.settings.events).toEqual({ 'session.started': 'off' });
    expect(r.problems.map((p) => `${p.variable}: ${p.message}`)).toEqual([
      'HERALD_EVENTS: "order.fill" is not an event Herald knows',
      'HERALD_EVENTS: "order.filled" does not say on, off or silent',
      'HERALD_EVENTS: "error=loud" does not say on, off or silent',
      'HERALD_FORMAT: "html" is not a format',
    ]);
    expect(r.problems[0]!.fix).toContain('order.filled');
    expect(r.problems[1]!.fix).toBe('write order.filled=on, order.filled=off or order.filled=silent, separated by commas');
  });
});
