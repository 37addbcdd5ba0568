import { describe, expect, it } from 'vitest';
import type { Timeline } from '../../source/core/events.js';
import { Timings } from '../../source/core/run/timing.js';
import { timelineLines } from '../../source/ui/timeline.js';

// The summary's timeline: steps on one time axis, hop by hop, and the down windows.

const TWO_HOPS: Timeline = {
	steps: [
		{ hop: '1.7.2', step: 'pull', startMs: 0, endMs: 1000 },
		{ hop: '1.7.2', step: 'backup', startMs: 1000, endMs: 5000 },
		{ hop: '1.7.2', step: 'stop', startMs: 5000, endMs: 6000 },
		{ hop: '1.7.2', step: 'health', startMs: 6000, endMs: 10000 },
		{ hop: '1.8.0', step: 'pull', startMs: 10000, endMs: 10050 },
		{ hop: '1.8.0', step: 'stop', startMs: 12000, endMs: 13000 },
		{ hop: '1.8.0', step: 'health', startMs: 13000, endMs: 20000 },
	],
	down: [
		{ startMs: 5000, endMs: 10000 },
		{ startMs: 12000, endMs: 20000 },
	],
};

describe('the summary timeline', () => {
	it('draws every step of every hop on one axis, and each down window, within the columns', () => {
		const lines = timelineLines(TWO_HOPS, 80);
		expect(lines[0]).toBe('  timeline: 0 to 20.0 s; █ a step, ░ down');
		expect(lines).toHaveLength(1 + 7 + 2);
		for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
		// The hop's tag labels its first step only.
		expect(lines[1]!.startsWith('  1.7.2    pull')).toBe(true);
		expect(lines[2]!.startsWith('           backup')).toBe(true);
		expect(lines[5]!.startsWith('  1.8.0    pull')).toBe(true);
		// On a 48-column bar (80 - 2 - 9 - 11 - 1 - 9): backup spans 1/20 .. 5/20 of it, the last health ends at the end.
		const barOf = (line: string) => line.slice(22, 22 + 48);
		expect(barOf(lines[2]!).indexOf('█')).toBe(Math.floor((1000 / 20000) * 48));
		expect(barOf(lines[2]!).lastIndexOf('█') + 1).toBe(Math.ceil((5000 / 20000) * 48));
		expect(barOf(lines[7]!).endsWith('█')).toBe(true);
		// A 50 ms pull still shows as one column.
		expect(barOf(lines[5]!).split('█').length - 1).toBe(1);
		expect(lines[8]).toContain('░');
		expect(lines[8]!.trim().startsWith('down')).toBe(true);
		expect(lines[9]!.endsWith('8.0 s')).toBe(true);
	});

	it('is left out when there is no room or nothing to draw', () => {
		expect(timelineLines(TWO_HOPS, 40)).toEqual([]);
		expect(timelineLines(undefined, 120)).toEqual([]);
		expect(timelineLines({ steps: [], down: [] }, 120)).toEqual([]);
	});

	it('is what the executor timed: steps started and done per hop, and the down windows', async () => {
		const timings = new Timings();
		timings.start([{ name: 'app', from: 'a:1', to: 'a:2', key: 'app', kind: 'container' } as never], 'a:2');
		timings.hopStarted('2');
		timings.stepStarted('app', 'pull');
		await new Promise((resolve) => setTimeout(resolve, 20));
		timings.stepDone('app', 'pull', 20);
		timings.downtimeOpened('app');
		timings.stepStarted('app', 'stop');
		await new Promise((resolve) => setTimeout(resolve, 20));
		timings.stepDone('app', 'stop', 20);
		timings.downtimeClosed('app');
		// Done without a start (a cluster's "already pulled"): it lasted what it says.
		timings.stepDone('app', 'health', 5);
		const summary = timings.summary({ name: 'app', from: 'a:1', to: 'a:2', key: 'app' }, 'upgraded', { doc: { containers: {} } } as never);
		const steps = summary.timeline!.steps;
		expect(steps.map((step) => `${step.hop}/${step.step}`)).toEqual(['2/pull', '2/stop', '2/health']);
		expect(steps[0]!.endMs - steps[0]!.startMs).toBeGreaterThanOrEqual(15);
		expect(steps[1]!.startMs).toBeGreaterThanOrEqual(steps[0]!.endMs);
		expect(steps[2]!.endMs - steps[2]!.startMs).toBe(5);
		expect(summary.timeline!.down).toHaveLength(1);
		expect(summary.timeline!.down[0]!.endMs - summary.timeline!.down[0]!.startMs).toBeGreaterThanOrEqual(15);
	});
});
