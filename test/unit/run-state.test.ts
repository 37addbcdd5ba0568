import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TimedEvent } from '../../source/core/events.js';
import {
	LOG_TAIL_LINES,
	createRunStore,
	downtimeOf,
	initialRunState,
	reduceRun,
	type RunState,
} from '../../source/core/run-state.js';
import { APP_LOG, recordedRollback, recordedUpgrade } from './ui-support.js';

const T0 = 1_700_000_000_000;

function fold(events: TimedEvent[], from: RunState = initialRunState()): RunState {
	return events.reduce(reduceRun, from);
}

function until(events: TimedEvent[], predicate: (event: TimedEvent) => boolean): TimedEvent[] {
	const index = events.findIndex(predicate);
	return index < 0 ? events : events.slice(0, index + 1);
}

describe('reduceRun', () => {
	it('folds a recorded upgrade into steps, timings, health and a summary', () => {
		const state = fold(recordedUpgrade(T0));
		expect(state.phase).toBe('done');
		expect(state.runId).toBe('run-1');
		expect(state.order).toEqual(['app-1']);
		const app = state.containers['app-1']!;
		expect(app.steps.map((step) => [step.name, step.status])).toEqual([
			['pull', 'done'],
			['stop', 'done'],
			['rename', 'done'],
			['create', 'done'],
			['start', 'done'],
			['health', 'done'],
			['remove-old', 'done'],
		]);
		expect(app.steps[0]!.durationMs).toBe(1500);
		expect(app.stopIssuedAt).toBe(T0 + 2000);
		expect(app.health?.status).toBe('healthy');
		expect(app.summary?.result).toBe('upgraded');
		expect(state.summary?.exitCode).toBe(0);
		expect(state.gates.map((gate) => [gate.gate.kind, gate.answer])).toEqual([
			['confirm-plan', true],
			['migration', true],
		]);
		expect(downtimeOf(app, T0 + 60_000)).toEqual({ ms: 3200, running: false });
	});

	it('marks the running step and counts downtime while it lasts', () => {
		const events = recordedUpgrade(T0);
		const state = fold(until(events, (event) => event.type === 'step-started' && event.step === 'health'));
		const app = state.containers['app-1']!;
		expect(app.steps.find((step) => step.name === 'health')?.status).toBe('running');
		expect(app.steps.find((step) => step.name === 'remove-old')?.status).toBe('pending');
		expect(downtimeOf(app, T0 + 4000)).toEqual({ ms: 2000, running: true });
		expect(state.active).toBe('app-1');
	});

	it('aggregates the pull in image bytes, with layers and a rate from successive events', () => {
		const events = recordedUpgrade(T0);
		const progress = events.filter((event) => event.type === 'progress');
		const first = fold(until(events, (event) => event === progress[0]));
		expect(first.containers['app-1']!.pull?.rate).toBeUndefined();
		const state = fold(until(events, (event) => event === progress[2]));
		const pull = state.containers['app-1']!.pull!;
		// 20 MB downloaded counts 20 of 60 "double" MB: 10 MB of a 30 MB image.
		expect(pull.bytes).toBe(10 * 1024 * 1024);
		expect(pull.totalBytes).toBe(30 * 1024 * 1024);
		expect(pull.layersKnown).toBe(2);
		expect(pull.layers).toHaveLength(2);
		expect(pull.rate).toBeGreaterThan(0);
	});

	it('never lets the pull figure go backwards', () => {
		let state = initialRunState();
		const progress = (current: number, at: number): TimedEvent => ({
			type: 'progress',
			container: 'x',
			step: 'pull',
			progress: { current, total: 1000, layersDone: 0, layersKnown: 1 },
			at,
		});
		state = reduceRun(state, progress(800, 1));
		state = reduceRun(state, progress(600, 2));
		expect(state.containers.x!.pull!.bytes).toBe(400);
	});

	it('keeps a fixed log tail and moves older lines to the finished list', () => {
		const events = recordedUpgrade(T0);
		const lastLog = events.filter((event) => event.type === 'log').at(-1)!;
		const state = fold(until(events, (event) => event === lastLog));
		const app = state.containers['app-1']!;
		expect(app.logTail).toEqual(APP_LOG.slice(-LOG_TAIL_LINES));
		const finishedLogs = state.finished.filter((line) => line.kind === 'log').map((line) => line.text);
		expect(finishedLogs).toEqual(APP_LOG.slice(0, APP_LOG.length - LOG_TAIL_LINES));

		// When the health wait ends, the tail is history too, in order and once.
		const done = fold(events);
		expect(done.containers['app-1']!.logTail).toEqual([]);
		expect(done.finished.filter((line) => line.kind === 'log').map((line) => line.text)).toEqual(APP_LOG);
		const ids = done.finished.map((line) => line.id);
		expect(new Set(ids).size).toBe(ids.length);
	});

	it('records a rollback: failed step, rolled-back steps, reason and exit code', () => {
		const state = fold(recordedRollback(T0));
		const app = state.containers['app-1']!;
		expect(app.failure?.step).toBe('health');
		expect(app.rollback).toMatchObject({ status: 'done', reason: expect.stringContaining('did not become healthy') });
		expect(app.rollback?.steps).toHaveLength(3);
		const status = Object.fromEntries(app.steps.map((step) => [step.name, step.status]));
		expect(status).toMatchObject({ pull: 'done', stop: 'rolled-back', rename: 'rolled-back', create: 'rolled-back', start: 'rolled-back', health: 'failed', 'remove-old': 'pending' });
		expect(state.summary?.exitCode).toBe(1);
		expect(state.phase).toBe('done');
	});

	it('is rolling back between rollback-started and rollback-done', () => {
		const events = recordedRollback(T0);
		const state = fold(until(events, (event) => event.type === 'rollback-step'));
		expect(state.phase).toBe('rolling-back');
	});

	it('tolerates steps and events it does not know (a backup step)', () => {
		const events = [
			{ type: 'run-started', runId: 'r', containers: ['app-1'], dryRun: false, at: 1 },
			{ type: 'step-started', container: 'app-1', step: 'backup', detail: 'pg_dump app', at: 2 },
			{ type: 'progress', container: 'app-1', step: 'backup', bytes: 5_000_000, elapsedMs: 700, at: 3 },
			{ type: 'progress', container: 'app-1', step: 'verify', progress: { current: 10, total: 20 }, at: 3 },
			{ type: 'backup-verified', container: 'app-1', sha256: 'abc', at: 4 },
			{ type: 'step-done', container: 'app-1', step: 'backup', durationMs: 900, at: 5 },
		] as unknown as TimedEvent[];
		const state = fold(events);
		const app = state.containers['app-1']!;
		expect(app.steps.map((step) => step.name)).toEqual(['backup', 'pull', 'stop', 'rename', 'create', 'start', 'health', 'remove-old']);
		expect(app.steps[0]).toMatchObject({ status: 'done', durationMs: 900 });
		expect(app.counters.backup?.bytes).toBe(5_000_000);
		expect(app.counters.verify).toMatchObject({ bytes: 10, totalBytes: 20 });
	});

	it('sums downtime over hops and shows each hop with its own steps (never a negative downtime)', () => {
		const hop = (start: number) => [
			{ type: 'step-started', container: 'app', step: 'pull', at: start },
			{ type: 'step-done', container: 'app', step: 'pull', durationMs: 1, at: start + 1 },
			{ type: 'step-started', container: 'app', step: 'stop', at: start + 10 },
			{ type: 'step-done', container: 'app', step: 'stop', durationMs: 1, at: start + 11 },
			{ type: 'step-started', container: 'app', step: 'health', at: start + 12 },
		];
		const first = [{ type: 'run-started', runId: 'r', containers: ['app'], dryRun: false, at: 0 }, ...hop(100), { type: 'step-done', container: 'app', step: 'health', durationMs: 8, at: 120 }, { type: 'step-done', container: 'app', step: 'remove-old', durationMs: 1, at: 121 }] as TimedEvent[];
		const afterFirst = fold(first);
		expect(downtimeOf(afterFirst.containers.app!, 130)).toEqual({ ms: 10, running: false });
		const during = fold([...first, ...hop(200)] as TimedEvent[]);
		const app = during.containers.app!;
		// Hop 2's health gate runs: 10 ms of hop 1, 5 ms so far of hop 2.
		expect(downtimeOf(app, 215)).toEqual({ ms: 15, running: true });
		expect(app.steps.find((step) => step.name === 'remove-old')!.status).toBe('pending');
		expect(app.steps.find((step) => step.name === 'health')!.status).toBe('running');
		const done = fold([...first, ...hop(200), { type: 'step-done', container: 'app', step: 'health', durationMs: 8, at: 225 }] as TimedEvent[]);
		expect(downtimeOf(done.containers.app!, 300)).toEqual({ ms: 25, running: false });
	});

	it("takes a unit's own steps from run-started (a Compose service has no rename or create)", () => {
		const state = fold([
			{ type: 'run-started', runId: 'r', containers: ['shop-web-1', 'app'], dryRun: false, steps: { 'shop-web-1': ['pull', 'files', 'stop', 'start', 'health', 'remove-old'] }, at: 1 },
			{ type: 'step-started', container: 'shop-web-1', step: 'files', at: 2 },
		] as TimedEvent[]);
		expect(state.containers['shop-web-1']!.steps.map((step) => `${step.name}:${step.status}`)).toEqual(['pull:pending', 'files:running', 'stop:pending', 'start:pending', 'health:pending', 'remove-old:pending']);
		expect(state.containers.app!.steps.map((step) => step.name)).toEqual(['pull', 'stop', 'rename', 'create', 'start', 'health', 'remove-old']);
	});

	it('returns the same object for an event that changes nothing, and shares untouched parts', () => {
		const start = fold(recordedUpgrade(T0).slice(0, 2));
		expect(reduceRun(start, { type: 'no-such-event', at: 9 } as unknown as TimedEvent)).toBe(start);
		const two = fold([
			{ type: 'run-started', runId: 'r', containers: ['a', 'b'], dryRun: false, at: 1 },
		] as TimedEvent[]);
		const next = reduceRun(two, { type: 'step-started', container: 'a', step: 'pull', at: 2 });
		expect(next.containers.b).toBe(two.containers.b);
		expect(next.containers.a).not.toBe(two.containers.a);
	});
});

describe('createRunStore', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it('coalesces a burst into one notification now and one trailing one', () => {
		vi.useFakeTimers();
		const store = createRunStore({ intervalMs: 66 });
		const listener = vi.fn();
		store.subscribe(listener);
		const events = recordedUpgrade(T0);
		for (const event of events) store.dispatch(event);
		expect(listener).toHaveBeenCalledTimes(1);
		// The snapshot is always the latest state, notified or not.
		expect(store.getSnapshot().phase).toBe('done');
		vi.advanceTimersByTime(66);
		expect(listener).toHaveBeenCalledTimes(2);
		vi.advanceTimersByTime(1000);
		expect(listener).toHaveBeenCalledTimes(2);
	});

	it('notifies at most ~15 times a second however fast events arrive', () => {
		vi.useFakeTimers();
		const store = createRunStore();
		const listener = vi.fn();
		store.subscribe(listener);
		for (let ms = 0; ms < 1000; ms++) {
			store.dispatch({ type: 'progress', container: 'a', step: 'pull', progress: { current: ms, total: 2000, layersDone: 0, layersKnown: 1 }, at: T0 + ms });
			vi.advanceTimersByTime(1);
		}
		vi.advanceTimersByTime(100);
		expect(listener.mock.calls.length).toBeLessThanOrEqual(16);
		expect(listener.mock.calls.length).toBeGreaterThanOrEqual(13);
		expect(store.getSnapshot().containers.a!.pull!.bytes).toBe(499);
	});

	it('gives immutable snapshots and stops notifying after unsubscribe', () => {
		vi.useFakeTimers();
		const store = createRunStore();
		const listener = vi.fn();
		const unsubscribe = store.subscribe(listener);
		const before = store.getSnapshot();
		store.dispatch(recordedUpgrade(T0)[0]!);
		const after = store.getSnapshot();
		expect(after).not.toBe(before);
		expect(before.phase).toBe('idle');
		unsubscribe();
		store.dispatch(recordedUpgrade(T0)[1]!);
		vi.advanceTimersByTime(100);
		expect(listener).toHaveBeenCalledTimes(1);
		store.flush();
		store.dispose();
	});
});
