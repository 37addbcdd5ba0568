import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAKE_ENGINE, fakeEngine, runOnFakeEngine, singleHopPlan } from '../support/fake-engine.js';
import { withEngines } from '../../source/core/run/context.js';
import { humanReporter, summaryLines } from '../../source/reporters/human.js';
import { describePlan, planEvent } from '../../source/core/plan/describe.js';
import type { RunEvent, RunSummary, TimedEvent } from '../../source/core/events.js';
import type { Plan, Unit } from '../../source/core/plan/plan.js';
import { summaryLines as screenLines } from '../../source/ui/screens/summary-screen.js';

// Every event, journal entry, summary line and the plan name the engine of
// each container (issue 13): filled at the event boundary from the unit, so a
// driver's events are named too.

const onEngine = (name: string) => ({ app: 'node-a', web: 'node-b' })[name];

describe('the event boundary names the engine', () => {
	it('puts the engine beside every container an event names, and keeps one the emitter gave', () => {
		const events: RunEvent[] = [
			{ type: 'step-started', container: 'app', step: 'stop' },
			{ type: 'log', container: 'web', source: 'new-container', line: 'ready' },
			{ type: 'warning', container: 'app', message: 'slow' },
			{ type: 'rollback-done', container: 'web', ok: true },
			{ type: 'health', container: 'app', engine: 'given', status: 'healthy' },
		];
		expect(events.map((event) => withEngines(event, onEngine)).map((event) => (event as { engine?: string }).engine)).toEqual(['node-a', 'node-b', 'node-a', 'node-b', 'given']);
	});

	it('names them in run-started, container summaries, the run summary and gates; not where no container is named', () => {
		const started = withEngines({ type: 'run-started', runId: 'r', containers: ['app', 'web'], dryRun: false }, onEngine);
		expect(started).toMatchObject({ engines: { app: 'node-a', web: 'node-b' } });
		const done = withEngines({ type: 'run-done', summary: { runId: 'r', exitCode: 0, containers: [{ container: 'web', from: 'a', to: 'b', result: 'upgraded' }] } }, onEngine);
		expect(done).toMatchObject({ summary: { containers: [{ container: 'web', engine: 'node-b' }] } });
		const gate = withEngines({ type: 'gate', gate: { kind: 'migration', title: 't', message: 'm', container: 'app' }, answer: true, by: '--yes' }, onEngine);
		expect(gate).toMatchObject({ gate: { engine: 'node-a' } });
		expect(withEngines({ type: 'warning', message: 'no container' }, onEngine)).toEqual({ type: 'warning', message: 'no container' });
		expect(withEngines({ type: 'step-done', container: 'other', step: 'pull', durationMs: 1 }, onEngine)).not.toHaveProperty('engine');
	});
});

describe('a run on the fake engine', () => {
	it('names the engine on every container event, in the journal (plan snapshot and unit record), the audit log and the summary', async () => {
		const engine = fakeEngine();
		const { summary, events, journal, dir } = await runOnFakeEngine(engine, singleHopPlan(engine.oldId), { prompter: { name: '--yes', confirm: async () => true } });
		expect(summary.exitCode).toBe(0);
		const aboutContainers = events.filter((event) => 'container' in event && event.container !== undefined);
		expect(aboutContainers.length).toBeGreaterThan(5);
		expect(aboutContainers.filter((event) => (event as { engine?: string }).engine !== FAKE_ENGINE)).toEqual([]);
		expect(events.find((event) => event.type === 'run-started')).toMatchObject({ engines: { app: FAKE_ENGINE } });
		expect(events.find((event) => event.type === 'plan')).toMatchObject({ engines: [{ name: FAKE_ENGINE, endpoint: 'unix:///fake.sock' }], containers: { app: FAKE_ENGINE } });
		expect(summary.containers[0]).toMatchObject({ container: 'app', engine: FAKE_ENGINE, result: 'upgraded' });
		expect(journal.container('app@1.7.0').engine).toBe(FAKE_ENGINE);
		expect(journal.doc.plan).toMatchObject({ engine: { name: FAKE_ENGINE }, units: [{ name: 'app', engine: FAKE_ENGINE }] });
		const audit = await readFile(join(dir, 'audit.log'), 'utf8');
		expect(audit.trim().split('\n').every((line) => line.includes(` engine=${FAKE_ENGINE} container=app `))).toBe(true);
	});
});

function report(events: RunEvent[]): string {
	let out = '';
	const reporter = humanReporter((text) => (out += text));
	for (const event of events) reporter({ ...event, at: 0 } as TimedEvent);
	return out;
}

const summaryOf = (engines: string[]): RunSummary => ({
	runId: 'r',
	exitCode: 0,
	containers: engines.map((engine, index) => ({ container: `app-${index + 1}`, engine, from: 'acme/app:1.6.0', to: 'acme/app:1.7.0', result: 'upgraded' })),
});

describe('the human lines', () => {
	it('with one engine: named once on the run line and the summary heading; the container lines stay as terse as before', () => {
		const out = report([
			{ type: 'run-started', runId: 'r', containers: ['app-1', 'app-2'], engines: { 'app-1': 'world-ctx', 'app-2': 'world-ctx' }, dryRun: false },
			{ type: 'step-started', container: 'app-1', engine: 'world-ctx', step: 'stop' },
			{ type: 'run-done', summary: summaryOf(['world-ctx', 'world-ctx']) },
		]);
		expect(out.split('\n')).toEqual([
			'upgrade-wizard run r: app-1, app-2 on world-ctx',
			'[app-1] stop',
			'summary (engine world-ctx):',
			expect.stringMatching(/^ {2}app-1: acme\/app:1\.6\.0 -> acme\/app:1\.7\.0: upgraded/),
			expect.stringMatching(/^ {2}app-2: acme\/app:1\.6\.0 -> acme\/app:1\.7\.0: upgraded/),
			'exit code 0',
			'',
		]);
	});

	it('with several engines: every container line and summary line says which engine', () => {
		const out = report([
			{ type: 'run-started', runId: 'r', containers: ['app-1', 'app-2'], engines: { 'app-1': 'node-a', 'app-2': 'ssh://ops@node-b' }, dryRun: false },
			{ type: 'step-started', container: 'app-2', engine: 'ssh://ops@node-b', step: 'health' },
			{ type: 'failure', container: 'app-2', engine: 'ssh://ops@node-b', step: 'health', message: 'unhealthy', detail: ['log line'] },
		]);
		expect(out.split('\n')).toEqual([
			'upgrade-wizard run r: app-1 on node-a, app-2 on ssh://ops@node-b',
			'[app-2 on ssh://ops@node-b] health',
			'[app-2 on ssh://ops@node-b] FAILED at health: unhealthy',
			'[app-2 on ssh://ops@node-b]   log line',
			'',
		]);
		const lines = summaryLines(summaryOf(['node-a', 'node-b']));
		expect(lines[0]).toBe('summary:');
		expect(lines.filter((line) => /^ {2}app/.test(line)).map((line) => line.split(': ')[0])).toEqual(['  app-1 on node-a', '  app-2 on node-b']);
	});
});

describe('the TUI summary', () => {
	it('says under each container which engine it is on', () => {
		const texts = screenLines({ kind: 'summary', summary: summaryOf(['node-a', 'node-b']) }).map((line) => line.text);
		expect(texts[texts.findIndex((text) => text.startsWith('app-1 ')) + 1]).toBe('  on engine node-a');
		expect(texts[texts.findIndex((text) => text.startsWith('app-2 ')) + 1]).toBe('  on engine node-b');
	});
});

describe('the plan', () => {
	const unit = (name: string, engine: string): Unit => ({ kind: 'container', key: `${name}@1.7.0`, name, engine, from: 'acme/app:1.6.0', to: 'acme/app:1.7.0', targetRef: 'acme/app:1.7.0', health: { healthcheck: 'auto', stableMs: 0, timeoutMs: 1000 } });
	const planOf = (units: Unit[]): Plan => ({
		units,
		path: { repository: 'acme/app', current: '1.6.0', hops: [{ tag: '1.7.0', kind: 'minor' }], majorGate: false, releaseNotes: [], schemaVersions: {}, warnings: [] },
		hops: ['1.7.0'],
		keepOld: false,
		options: { healthTimeoutS: 1, stableS: 0, keepOld: false },
		engine: { name: 'world-ctx', endpoint: 'unix:///var/run/docker.sock', apiVersion: '1.45' },
		backupSkippedBy: '--skip-backup',
	});

	it('names the engine on its Engine line, the unit lines staying terse with one engine; --json carries both', () => {
		const plan = planOf([unit('app-1', 'world-ctx'), unit('app-2', 'world-ctx')]);
		const lines = describePlan(plan, () => []);
		expect(lines[0]).toBe('Engine world-ctx (unix:///var/run/docker.sock) (API 1.45)');
		expect(lines.filter((line) => /^\d\. /.test(line))).toEqual(['1. app-1: acme/app:1.6.0 -> acme/app:1.7.0', '2. app-2: acme/app:1.6.0 -> acme/app:1.7.0']);
		expect(planEvent(plan, () => [])).toMatchObject({ engines: [{ name: 'world-ctx', endpoint: 'unix:///var/run/docker.sock', apiVersion: '1.45' }], containers: { 'app-1': 'world-ctx', 'app-2': 'world-ctx' } });
	});

	it('says the engine on each unit line when the units are on several', () => {
		const lines = describePlan(planOf([unit('app', 'node-a'), unit('app-b', 'node-b')]), () => []);
		expect(lines.filter((line) => /^\d\. /.test(line))).toEqual(['1. app on node-a: acme/app:1.6.0 -> acme/app:1.7.0', '2. app-b on node-b: acme/app:1.6.0 -> acme/app:1.7.0']);
	});
});
