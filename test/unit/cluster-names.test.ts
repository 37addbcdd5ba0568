import { describe, expect, it } from 'vitest';
import { labelField, labelFor, labelUnits, repeatedNames, shownOn, summaryNames, unitLabel } from '../../source/core/cluster-names.js';
import { withEngines } from '../../source/core/run/context.js';
import { Timings } from '../../source/core/run/timing.js';
import { serviceDowntimeLines } from '../../source/text/format.js';
import { humanReporter } from '../../source/reporters/human.js';
import type { TimedEvent } from '../../source/core/events.js';

// One identity per unit of a run: the bare name while it is unique, `<name> on
// <engine>` when it repeats on another engine; the journal key follows.

const unit = (name: string, engine: string, tag = '1.7.0') => ({ name, engine, key: `${name}@${tag}`, from: 'r/app:1.6.0', to: `r/app:${tag}` });

describe('labelUnits', () => {
	it('keeps bare names and today\'s keys when every name is on one engine (one engine, or distinct names on several)', () => {
		const units = labelUnits([unit('app-1', 'node-a'), unit('app-2', 'node-b'), unit('db', 'node-a')]);
		expect(units.map((each) => `${each.label}|${each.key}`)).toEqual(['app-1|app-1@1.7.0', 'app-2|app-2@1.7.0', 'db|db@1.7.0']);
	});

	it('labels a repeated name with its engine, in the label and the key, and leaves the unique ones alone', () => {
		const units = labelUnits([unit('quay', 'node-a'), unit('quay', 'ssh://deploy@node-b'), unit('quay', 'node-c'), unit('worker', 'node-a')]);
		expect(units.map((each) => `${each.label}|${each.key}`)).toEqual([
			'quay on node-a|quay on node-a@1.7.0',
			'quay on ssh://deploy@node-b|quay on ssh://deploy@node-b@1.7.0',
			'quay on node-c|quay on node-c@1.7.0',
			'worker|worker@1.7.0',
		]);
		// The real name stays what docker is asked by.
		expect(units.map((each) => each.name)).toEqual(['quay', 'quay', 'quay', 'worker']);
	});

	it('is idempotent and in place: a later hop\'s units (replanned with plain keys) get the same labels', () => {
		const units = [unit('app', 'node-a'), unit('app', 'node-b')];
		const first = units[0]!;
		labelUnits(units);
		labelUnits(units);
		expect(units[0]).toBe(first);
		expect(units.map((each) => each.key)).toEqual(['app on node-a@1.7.0', 'app on node-b@1.7.0']);
		const next = labelUnits([unit('app', 'node-a', '1.8.0'), unit('app', 'node-b', '1.8.0')]);
		expect(next.map((each) => each.key)).toEqual(['app on node-a@1.8.0', 'app on node-b@1.8.0']);
	});

	it('the same name twice on one engine is not a repeat across engines', () => {
		expect([...repeatedNames([unit('app', 'node-a'), unit('app', 'node-a')])]).toEqual([]);
		expect([...repeatedNames([unit('app', 'node-a'), unit('app', 'node-b')])]).toEqual(['app']);
	});

	it('unitLabel falls back to the name (records of older journals have no label)', () => {
		expect(unitLabel({ name: 'app' })).toBe('app');
		expect(unitLabel({ name: 'app', label: 'app on node-b' })).toBe('app on node-b');
	});
});

describe('shownOn', () => {
	it('adds the engine on runs over several engines, once', () => {
		expect(shownOn('app', 'node-a', false)).toBe('app');
		expect(shownOn('app', 'node-a', true)).toBe('app on node-a');
		expect(shownOn('app on node-a', 'node-a', true)).toBe('app on node-a');
		expect(shownOn('app', undefined, true)).toBe('app');
	});
});

describe('what is keyed by the unit', () => {
	it('the event boundary gives each label its own engine', () => {
		const engineOf = (label: string) => ({ 'app on node-a': 'node-a', 'app on node-b': 'node-b' })[label];
		expect(withEngines({ type: 'step-started', container: 'app on node-b', step: 'stop' }, engineOf)).toMatchObject({ engine: 'node-b' });
		expect(withEngines({ type: 'run-started', runId: 'r', containers: ['app on node-a', 'app on node-b'], dryRun: false }, engineOf)).toMatchObject({
			engines: { 'app on node-a': 'node-a', 'app on node-b': 'node-b' },
		});
	});

	it('timings keep one entry per label: two units named app have two pull times, two down windows, two summaries', () => {
		const timings = new Timings();
		const units = labelUnits([unit('app', 'node-a'), unit('app', 'node-b')]);
		timings.start(units, 'r/app:1.7.0');
		timings.pulled('app on node-a', 100);
		timings.pulled('app on node-b', 200);
		timings.downtimeOpened('app on node-b');
		timings.downtimeClosed('app on node-b');
		expect(timings.nodes()).toEqual([
			{ container: 'app on node-a', engine: 'node-a' },
			{ container: 'app on node-b', engine: 'node-b' },
		]);
		expect(timings.downWindows().map((window) => window.container)).toEqual(['app on node-b']);
		const journal = { doc: { containers: {} } } as never;
		const summaries = units.map((each) => timings.summary(each, 'upgraded', journal));
		expect(summaries.map((each) => `${each.container}|${each.name}|${each.engine}|${each.pullMs}`)).toEqual(['app on node-a|app|node-a|100', 'app on node-b|app|node-b|200']);
		// A unique name is summarised as before: no `name` beside it.
		const single = new Timings();
		const [only] = labelUnits([unit('app', 'node-a')]);
		single.start([only!], 'r/app:1.7.0');
		expect(single.summary(only!, 'upgraded', journal)).not.toHaveProperty('name');
	});

	it('the service lines and the human reporter say each node once', () => {
		const service = {
			nodes: 2,
			downtimeMs: 0,
			windows: [
				{ container: 'app on node-a', engine: 'node-a', from: '2026-01-01T10:01:02.100Z', to: '2026-01-01T10:01:04.000Z', ms: 1900 },
				{ container: 'app on node-b', engine: 'node-b', from: '2026-01-01T10:01:05.000Z', to: '2026-01-01T10:01:06.000Z', ms: 1000 },
			],
		};
		expect(serviceDowntimeLines(service, true).slice(1).map((line) => line.trim().split(' down ')[0])).toEqual(['app on node-a', 'app on node-b']);
		let out = '';
		const report = humanReporter((text) => (out += text));
		const event = (each: Record<string, unknown>) => report({ ...each, at: 0 } as TimedEvent);
		event({ type: 'run-started', runId: 'r', containers: ['app on node-a', 'app on node-b', 'worker'], engines: { 'app on node-a': 'node-a', 'app on node-b': 'node-b', worker: 'node-b' }, dryRun: false });
		event({ type: 'step-started', container: 'app on node-b', engine: 'node-b', step: 'stop' });
		event({ type: 'step-started', container: 'worker', engine: 'node-b', step: 'stop' });
		expect(out.split('\n').filter(Boolean)).toEqual(['upgrade-wizard run r: app on node-a, app on node-b, worker on node-b', '[app on node-b] stop', '[worker on node-b] stop']);
	});
});

describe('what the journal and summaries carry of a label', () => {
	it('qualifies a name only when it repeats, and says the container\'s own name (or the label) only when they differ', () => {
		const repeated = new Set(['app']);
		expect(labelFor('app', 'node-a', repeated)).toBe('app on node-a');
		expect(labelFor('worker', 'node-a', repeated)).toBe('worker');
		expect(summaryNames({ name: 'app', label: 'app on node-a' })).toEqual({ container: 'app on node-a', name: 'app' });
		expect(summaryNames({ name: 'worker', label: 'worker' })).toEqual({ container: 'worker' });
		expect(summaryNames({ name: 'worker' })).toEqual({ container: 'worker' });
		expect(labelField({ name: 'app', label: 'app on node-a' })).toEqual({ label: 'app on node-a' });
		expect(labelField({ name: 'worker', label: 'worker' })).toEqual({});
	});
});
