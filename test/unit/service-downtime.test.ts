import { describe, expect, it } from 'vitest';
import { serviceDowntime } from '../../source/core/run/service-downtime.js';
import { serviceDowntimeLines } from '../../source/text/format.js';

// A cluster behind a load balancer is down only while every node is down at once.

const nodes = [{ container: 'a', engine: 'h1' }, { container: 'b', engine: 'h2' }, { container: 'c', engine: 'h3' }];
const at = (s: number) => Date.UTC(2026, 11, 3, 10, 0, 0) + s * 1000;

describe('service downtime', () => {
	it('is zero when the nodes go down one after the other, and lists who was down when', () => {
		const service = serviceDowntime(nodes, [
			{ container: 'b', engine: 'h2', startAt: at(5), endAt: at(7) },
			{ container: 'a', engine: 'h1', startAt: at(1), endAt: at(3) },
			{ container: 'c', engine: 'h3', startAt: at(7), endAt: at(9) },
		])!;
		expect(service.downtimeMs).toBe(0);
		expect(service.windows.map((window) => window.container)).toEqual(['a', 'b', 'c']);
		expect(serviceDowntimeLines(service, true)).toEqual([
			'service (3 nodes): downtime 0 ms, at least one node served throughout',
			'  a on h1 down 10:00:01.0-10:00:03.0 UTC (2.0 s)',
			'  b on h2 down 10:00:05.0-10:00:07.0 UTC (2.0 s)',
			'  c on h3 down 10:00:07.0-10:00:09.0 UTC (2.0 s)',
		]);
	});

	it('counts only the time every node is down at once (two of three overlapping is not an outage)', () => {
		const twoOfThree = serviceDowntime(nodes, [
			{ container: 'a', engine: 'h1', startAt: at(1), endAt: at(4) },
			{ container: 'b', engine: 'h2', startAt: at(2), endAt: at(5) },
		])!;
		expect(twoOfThree.downtimeMs).toBe(0);
		const all = serviceDowntime(nodes, [
			{ container: 'a', engine: 'h1', startAt: at(1), endAt: at(4) },
			{ container: 'b', engine: 'h2', startAt: at(2), endAt: at(5) },
			{ container: 'c', engine: 'h3', startAt: at(3), endAt: at(6) },
			// A second window of a (a later hop) while the others are up again.
			{ container: 'a', engine: 'h1', startAt: at(8), endAt: at(9) },
		])!;
		expect(all.downtimeMs).toBe(1000);
		expect(serviceDowntimeLines(all, false)[0]).toBe('service (3 nodes): downtime 1.0 s, every node was down at once');
	});

	it('says nothing for a single container (its own downtime is the service\'s)', () => {
		expect(serviceDowntime([nodes[0]!], [{ container: 'a', startAt: at(1), endAt: at(2) }])).toBeUndefined();
	});
});
