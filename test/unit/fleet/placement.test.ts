import fc from 'fast-check';
import { slotSubnet, surgeSubnet } from '../../../core/placement';

const subnetList = fc.uniqueArray(fc.stringMatching(/^subnet-0[0-9a-f]{8}$/), { minLength: 1, maxLength: 6 });

describe('placement: web servers spread over the subnets', () => {
  it('puts www<N> in subnets[(N-1) mod n]: neighbours never share a subnet, and n slots use every subnet', () => {
    fc.assert(
      fc.property(subnetList, fc.integer({ min: 1, max: 20 }), (subnets, slots) => {
        const placed = Array.from({ length: slots }, (_, k) => slotSubnet(`www${k + 1}`, subnets));
        placed.forEach((s, k) => expect(s).toBe(subnets[k % subnets.length]));
        if (subnets.length > 1) placed.slice(1).forEach((s, k) => expect(s).not.toBe(placed[k]));
        if (slots >= subnets.length) expect(new Set(placed).size).toBe(subnets.length);
      }),
    );
  });

  it('places surge servers round-robin, a slot of another name stably, and nothing without subnets', () => {
    expect([1, 2, 3, 4].map((k) => surgeSubnet(k, ['subnet-0a', 'subnet-0b', 'subnet-0c']))).toEqual(['subnet-0a', 'subnet-0b', 'subnet-0c', 'subnet-0a']);
    expect(slotSubnet('ftp', ['subnet-0a', 'subnet-0b'])).toBe(slotSubnet('ftp', ['subnet-0a', 'subnet-0b']));
    expect([slotSubnet('www1', []), slotSubnet('www1', undefined), surgeSubnet(1, [])]).toEqual([undefined, undefined, undefined]);
  });
});
