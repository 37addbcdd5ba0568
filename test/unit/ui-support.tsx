import React from 'react';
import { vi } from 'vitest';
import { render } from 'ink-testing-library';
import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { ContainerSummary, EventListener, Gate, Prompter, RunEvent, RunSummary, TimedEvent } from '../../source/core/events.js';
import type { ChosenContainer, ContainerRow, DatabaseOverrides, EngineInfo, InterruptedRunRow, PlanPreview, TargetChoice, WizardBackend } from '../../source/core/wizard-backend.js';
import { WizardApp } from '../../source/ui/app.js';

// Shared by the ui-*.test.tsx files: a fake WizardBackend (unit tests; the
// real-engine flow lives in the integration tests), recorded event sequences
// and the frame helpers.

export const ENTER = '\r';
export const ESC = '\u001B';
export const UP = '\u001B[A';
export const DOWN = '\u001B[B';
export const CTRL_C = '\u0003';
export const BACKSPACE = '\u007F';

/** Let effects (useInput listeners) attach, or a key's re-render land. */
export async function tick(ms = 25): Promise<void> {
	await delay(ms);
}

/**
 * Write keys one at a time: each after a tick, so the listeners of what the
 * last key mounted (a dialog, the next screen) are attached, and each given
 * time to be handled.
 */
export async function press(stdin: { write: (data: string) => void }, ...keys: string[]): Promise<void> {
	for (const key of keys) {
		await tick(10);
		stdin.write(key);
		// Escape is held back by ink until it knows no sequence follows.
		await tick(key === ESC ? 60 : 25);
	}
}

/** Poll lastFrame() until it shows `text`; on timeout, fail with the last frame. */
export async function waitForFrame(
	lastFrame: () => string | undefined,
	text: string | RegExp | ((frame: string) => boolean),
	timeoutMs = 5000,
): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	const matches = (frame: string) => (typeof text === 'string' ? frame.includes(text) : typeof text === 'function' ? text(frame) : text.test(frame));
	for (;;) {
		const frame = lastFrame() ?? '';
		if (matches(frame)) return frame;
		if (Date.now() > deadline) {
			throw new Error(`no frame showed ${String(text)} within ${timeoutMs} ms; the last frame was:\n${frame}`);
		}
		await delay(10);
	}
}

/** The live part of a debug-mode frame (ink prefixes it with all <Static> output). */
export function liveFrame(frame: string): string {
	const start = frame.lastIndexOf('upgrade-wizard ');
	return start >= 0 ? frame.slice(start) : frame;
}

export function deferred<T>() {
	let resolve!: (value: T) => void;
	let reject!: (error: unknown) => void;
	const promise = new Promise<T>((ok, fail) => {
		resolve = ok;
		reject = fail;
	});
	return { promise, resolve, reject };
}

/** Never settles: a screen stays in its loading state. */
export function forever<T>(): Promise<T> {
	return new Promise<T>(() => undefined);
}

export const ENGINE: EngineInfo = { endpoint: 'unix:///var/run/docker.sock', engineVersion: '26.1.5', apiVersion: '1.45' };

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();

export const CONTAINERS: ContainerRow[] = [
	{ name: 'app-1', engine: 'unix:///var/run/docker.sock', id: 'a1'.repeat(32), image: 'registry.local:5000/acme/app:1.6.0', repository: 'registry.local:5000/acme/app', version: '1.6.0', state: 'running', health: 'healthy', startedAt: hoursAgo(50), preselected: false },
	{ name: 'app-2', engine: 'unix:///var/run/docker.sock', id: 'a2'.repeat(32), image: 'registry.local:5000/acme/app:1.6.0', repository: 'registry.local:5000/acme/app', version: '1.6.0', state: 'running', health: 'healthy', startedAt: hoursAgo(3), preselected: false },
	{ name: 'db', engine: 'unix:///var/run/docker.sock', id: 'db'.repeat(32), image: 'postgres:16.4', repository: 'postgres', version: '16.4', state: 'running', startedAt: hoursAgo(80), preselected: false },
	{ name: 'scanner', engine: 'unix:///var/run/docker.sock', id: 'sc'.repeat(32), image: 'registry.local:5000/acme/scanner:2.1.0', repository: 'registry.local:5000/acme/scanner', version: '2.1.0', state: 'exited', preselected: false },
];

export const TARGETS: TargetChoice = {
	repository: 'registry.local:5000/acme/app',
	current: '1.6.0',
	proposed: '1.7.0',
	rows: [
		{ tag: '2.0.0', version: '2.0.0', kind: 'major', prerelease: false, hops: ['1.7.0'] },
		{ tag: '1.8.0-rc.1', version: '1.8.0-rc.1', kind: 'minor', prerelease: true, hops: ['1.7.0'] },
		{ tag: '1.7.0', version: '1.7.0', kind: 'minor', prerelease: false, hops: [], releaseNotes: 'Adds the audit table (migration).' },
		{ tag: '1.6.2', version: '1.6.2', kind: 'patch', prerelease: false, hops: [] },
		{ tag: '1.6.0', version: '1.6.0', kind: 'same', prerelease: false, hops: [], disabledReason: 'this is the current version' },
		{ tag: '1.5.3', version: '1.5.3', kind: 'downgrade', prerelease: false, hops: [], disabledReason: 'downgrades are refused: restore a backup instead' },
	],
};

export function previewFor(containers: string[], tag: string): PlanPreview {
	return {
		containers: containers.map((name) => ({
			name,
			from: '1.6.0',
			to: tag,
			hops: [],
			steps: [`pull registry.local:5000/acme/app:${tag}`, `stop ${name}`, `rename ${name} to ${name}-old`, `create and start ${name} on ${tag}`, 'wait for health', `remove ${name}-old`],
			stops: `${name} (stop timeout 10 s)`,
			health: 'Docker healthcheck, timeout 120 s',
			backup: `/var/lib/upgrade-wizard/backups/${name}-1.6.0.dump`,
			profile: 'Acme app (acme-app, built-in)',
		})),
		lines: [],
		warnings: tag === '1.7.0' ? ['1.7.0 migrates the schema: the first start takes longer'] : [],
	};
}

export type ScriptItem = RunEvent | { ask: Gate } | { pause: Promise<unknown> };

/**
 * Plays a run the way the executor does: events through onEvent (with times),
 * gates through the prompter. A refused gate ends the run with nothing
 * touched, exit 2, as the executor does for the plan gate.
 */
export async function playScript(script: ScriptItem[], io: { prompter: Prompter; onEvent: EventListener; signal: AbortSignal }): Promise<RunSummary> {
	const emit = (event: RunEvent) => io.onEvent({ ...event, at: Date.now() } as TimedEvent);
	let summary: RunSummary | undefined;
	for (const item of script) {
		if ('ask' in item) {
			const answer = await io.prompter.confirm(item.ask);
			emit({ type: 'gate', gate: item.ask, answer, by: io.prompter.name });
			if (!answer) {
				const refused: RunSummary = {
					runId: 'run-1',
					exitCode: 2,
					containers: [{ container: 'app-1', from: '1.6.0', to: '1.7.0', result: 'not-attempted', reason: `${item.ask.title}: no` }],
				};
				emit({ type: 'run-done', summary: refused });
				return refused;
			}
		} else if ('pause' in item) {
			await item.pause;
		} else {
			emit(item);
			if (item.type === 'run-done') summary = item.summary;
		}
	}
	return summary ?? { runId: 'run-1', exitCode: 0, containers: [] };
}

export interface FakeBackend extends WizardBackend {
	calls: {
		connect: number;
		listContainers: number;
		/** The names of each choice (the chosen containers' engines are in `chosen`). */
		targets: string[][];
		/** Each targets() call's choice whole: names with their engines. */
		chosen: ChosenContainer[][];
		/** [containers, tag] or, when the operator answered "no database found", [containers, tag, overrides]. */
		preview: Array<[string[], string] | [string[], string, DatabaseOverrides]>;
		run: Array<{ containers: string[]; chosen: ChosenContainer[]; tag: string; signal: AbortSignal; overrides?: DatabaseOverrides }>;
		interruptedRuns: number;
		recover: Array<{ runId: string; signal: AbortSignal }>;
	};
}

export interface FakeOptions {
	connect?: () => Promise<EngineInfo>;
	listContainers?: () => Promise<ContainerRow[]>;
	/** What the inspects add after the list; none by default (the list rows are complete). */
	containerDetails?: (rows: ContainerRow[]) => Promise<ContainerRow[]>;
	targets?: (containers: string[]) => Promise<TargetChoice>;
	preview?: (containers: string[], tag: string, overrides?: DatabaseOverrides) => Promise<PlanPreview>;
	run?: WizardBackend['run'];
	/** None by default: the wizard goes straight to the containers. */
	interruptedRuns?: () => Promise<InterruptedRunRow[]>;
	recover?: WizardBackend['recover'];
}

export function fakeBackend(options: FakeOptions = {}): FakeBackend {
	const calls: FakeBackend['calls'] = { connect: 0, listContainers: 0, targets: [], chosen: [], preview: [], run: [], interruptedRuns: 0, recover: [] };
	// The screens hand the backend names with their engines; most tests only care about the names.
	const names = (chosen: ChosenContainer[]) => chosen.map((each) => each.name);
	return {
		calls,
		async connect() {
			calls.connect++;
			return options.connect ? options.connect() : ENGINE;
		},
		async listContainers() {
			calls.listContainers++;
			return options.listContainers ? options.listContainers() : CONTAINERS;
		},
		...(options.containerDetails ? { containerDetails: options.containerDetails } : {}),
		async targets(chosen) {
			calls.targets.push(names(chosen));
			calls.chosen.push(chosen);
			return options.targets ? options.targets(names(chosen)) : TARGETS;
		},
		async preview(chosen, tag, overrides) {
			const containers = names(chosen);
			calls.preview.push(overrides ? [containers, tag, overrides] : [containers, tag]);
			return options.preview ? options.preview(containers, tag, overrides) : previewFor(containers, tag);
		},
		async run(containers, tag, io, overrides) {
			calls.run.push({ containers: names(containers), chosen: containers, tag, signal: io.signal, ...(overrides ? { overrides } : {}) });
			if (options.run) return options.run(containers, tag, io, overrides);
			return playScript(upgradeScript(), io);
		},
		async interruptedRuns() {
			calls.interruptedRuns++;
			return options.interruptedRuns ? options.interruptedRuns() : [];
		},
		async recover(runId, io) {
			calls.recover.push({ runId, signal: io.signal });
			if (options.recover) return options.recover(runId, io);
			return playScript(recoveryScript(runId), io);
		},
	};
}

export const NO_PRESELECT = { preselect: { containers: [], labels: [] } };

const PULL_REF = 'registry.local:5000/acme/app:1.7.0';
const MB = 1024 * 1024;

export const MIGRATION_GATE: Gate = {
	kind: 'migration',
	title: 'Acknowledge the schema migration?',
	message: '1.7.0 migrates the database schema of app-1.',
	details: ['adds table audit_log', 'backup: /var/lib/upgrade-wizard/backups/app-1-1.6.0.dump'],
	container: 'app-1',
};

/** Pull progress as the executor emits it: aggregate bytes counted twice (download, then extract). */
function pullProgress(downloadedMb: number, extractedMb: number, layersDone: number): RunEvent {
	const layers = [
		{ id: 'sha256:aaaaaaaaaaaa1111', size: 20 },
		{ id: 'sha256:bbbbbbbbbbbb2222', size: 10 },
	];
	let downLeft = downloadedMb;
	let extractLeft = extractedMb;
	const detail = layers.map((layer) => {
		const down = Math.min(layer.size, downLeft);
		downLeft -= down;
		const extracted = Math.min(layer.size, extractLeft);
		extractLeft -= extracted;
		const status = extracted === layer.size ? 'Pull complete' : extracted > 0 ? 'Extracting' : down === layer.size ? 'Download complete' : 'Downloading';
		return { id: layer.id, status, current: (down + extracted) * MB, total: layer.size * 2 * MB };
	});
	return {
		type: 'progress',
		container: 'app-1',
		step: 'pull',
		progress: { current: (downloadedMb + extractedMb) * MB, total: 60 * MB, layersDone, layersKnown: 2, layers: detail },
	};
}

const UPGRADED: ContainerSummary = {
	container: 'app-1',
	from: '1.6.0',
	to: '1.7.0',
	result: 'upgraded',
	downtimeMs: 3200,
	pullMs: 1500,
	totalMs: 5350,
	oldContainerId: 'a1'.repeat(32),
	newContainerId: 'n1'.repeat(32),
};

export const APP_LOG = [
	'starting acme-app 1.7.0',
	'connecting to postgres at db:5432',
	'migration 0007_audit_log: running',
	'migration 0007_audit_log: done in 812 ms',
	'listening on :8080',
	'GET /health/endtoend 503 (warming up)',
	'cache warmed: 1204 entries',
	'GET /health/endtoend 200',
	'worker pool started (4 workers)',
	'ready',
];

/** The start of a run up to and including the health wait (without its end). */
function swapEvents(): RunEvent[] {
	return [
		{ type: 'step-started', container: 'app-1', step: 'pull', detail: PULL_REF },
		pullProgress(2, 0, 0),
		pullProgress(10, 0, 0),
		pullProgress(20, 0, 0),
		pullProgress(30, 10, 0),
		pullProgress(30, 20, 1),
		pullProgress(30, 30, 2),
		{ type: 'step-done', container: 'app-1', step: 'pull', durationMs: 1500, detail: PULL_REF },
		{ type: 'step-started', container: 'app-1', step: 'stop', detail: 'stop app-1 (a1a1a1a1a1a1) with a 10 s timeout' },
		{ type: 'step-done', container: 'app-1', step: 'stop', durationMs: 400 },
		{ type: 'step-started', container: 'app-1', step: 'rename', detail: 'rename app-1 to app-1-old' },
		{ type: 'step-done', container: 'app-1', step: 'rename', durationMs: 20 },
		{ type: 'step-started', container: 'app-1', step: 'create', detail: `create app-1 from ${PULL_REF} with the old container's configuration` },
		{ type: 'step-done', container: 'app-1', step: 'create', durationMs: 100 },
		{ type: 'step-started', container: 'app-1', step: 'start', detail: 'start the new app-1 (n1n1n1n1n1n1)' },
		{ type: 'step-done', container: 'app-1', step: 'start', durationMs: 280 },
		{ type: 'step-started', container: 'app-1', step: 'health', detail: 'Docker healthcheck, timeout 120 s' },
		{ type: 'health', container: 'app-1', status: 'starting', detail: 'Docker healthcheck: starting' },
		...APP_LOG.map((line): RunEvent => ({ type: 'log', container: 'app-1', source: 'new-container', line })),
	];
}

/** One realistic upgrade of app-1 from 1.6.0 to 1.7.0, as recorded from the executor (times relative). */
export function recordedUpgrade(t0: number): TimedEvent[] {
	const events: RunEvent[] = [
		{ type: 'run-started', runId: 'run-1', containers: ['app-1'], dryRun: false, journal: '/state/upgrade-wizard/runs/run-1.json' },
		{ type: 'plan', lines: ['app-1: 1.6.0 -> 1.7.0'] },
		{ type: 'gate', gate: { kind: 'confirm-plan', title: 'Run this plan?', message: 'Upgrade app-1 as planned' }, answer: true, by: 'operator' },
		{ type: 'gate', gate: MIGRATION_GATE, answer: true, by: 'operator' },
		...swapEvents(),
		{ type: 'health', container: 'app-1', status: 'healthy', detail: 'Docker healthcheck: healthy' },
		{ type: 'step-done', container: 'app-1', step: 'health', durationMs: 2400, detail: 'healthy after 2.4 s' },
		{ type: 'step-started', container: 'app-1', step: 'remove-old', detail: 'app-1-old' },
		{ type: 'step-done', container: 'app-1', step: 'remove-old', durationMs: 50 },
		{ type: 'container-done', summary: UPGRADED },
		{ type: 'run-done', summary: { runId: 'run-1', exitCode: 0, containers: [UPGRADED], journal: '/state/upgrade-wizard/runs/run-1.json' } },
	];
	// Times as the executor stamped them: the pull takes 1.5 s, stop is issued at
	// +2.0 s and the new container is healthy at +5.2 s (3.2 s of downtime).
	const times = new Map<RunEvent, number>();
	let at = t0;
	for (const event of events) {
		if (event.type === 'step-started' && event.step === 'stop') at = t0 + 2000;
		else if (event.type === 'health' && event.status === 'healthy') at = t0 + 5200;
		else at += event.type === 'progress' ? 250 : 10;
		times.set(event, at);
	}
	return events.map((event) => ({ ...event, at: times.get(event)! }) as TimedEvent);
}

const ROLLED_BACK: ContainerSummary = {
	container: 'app-1',
	from: '1.6.0',
	to: '1.7.0',
	result: 'rolled-back',
	downtimeMs: 9100,
	pullMs: 1500,
	totalMs: 12_000,
	reason: 'the new app-1 did not become healthy: unhealthy after 3 checks',
	oldContainerId: 'a1'.repeat(32),
};

/** The same run failing its health gate and rolling back (exit 1). */
export function recordedRollback(t0: number): TimedEvent[] {
	const events: RunEvent[] = [
		{ type: 'run-started', runId: 'run-2', containers: ['app-1'], dryRun: false, journal: '/state/upgrade-wizard/runs/run-2.json' },
		...swapEvents(),
		{ type: 'health', container: 'app-1', status: 'unhealthy', detail: 'Docker healthcheck: unhealthy (3 failing checks)' },
		{ type: 'failure', container: 'app-1', step: 'health', message: 'the new app-1 did not become healthy: unhealthy after 3 checks', detail: ['last health check: GET /health/endtoend 500'] },
		{ type: 'rollback-started', container: 'app-1', reason: 'the new app-1 did not become healthy: unhealthy after 3 checks' },
		{ type: 'rollback-step', container: 'app-1', action: 'remove the new app-1', ok: true },
		{ type: 'rollback-step', container: 'app-1', action: 'rename app-1-old back to app-1', ok: true },
		{ type: 'rollback-step', container: 'app-1', action: 'start the old app-1', ok: true },
		{ type: 'health', container: 'app-1', status: 'healthy', detail: 'old container: Docker healthcheck: healthy' },
		{ type: 'rollback-done', container: 'app-1', ok: true, detail: 'old container a1a1a1a1a1a1 is back as app-1: healthy' },
		{ type: 'container-done', summary: ROLLED_BACK },
		{ type: 'run-done', summary: { runId: 'run-2', exitCode: 1, containers: [ROLLED_BACK], journal: '/state/upgrade-wizard/runs/run-2.json' } },
	];
	let at = t0;
	return events.map((event) => {
		at = event.type === 'step-started' && event.step === 'stop' ? t0 + 2000 : at + 100;
		return { ...event, at } as TimedEvent;
	});
}

/** The recorded upgrade as a script: the gates are asked, not replayed. */
export function upgradeScript(options: { pauseBeforeHealthy?: Promise<unknown>; pauseAfterPull?: Promise<unknown> } = {}): ScriptItem[] {
	const events = recordedUpgrade(Date.now()).map(({ at: _at, ...event }) => event as RunEvent);
	const script: ScriptItem[] = [];
	for (const event of events) {
		if (event.type === 'gate') {
			script.push({ ask: event.gate });
			continue;
		}
		if (options.pauseBeforeHealthy && event.type === 'health' && event.status === 'healthy') script.push({ pause: options.pauseBeforeHealthy });
		script.push(event);
		if (options.pauseAfterPull && event.type === 'step-done' && event.step === 'pull') script.push({ pause: options.pauseAfterPull });
	}
	return script;
}

/** An interrupted run as the backend describes it: killed after parking app-1 as app-1-old. */
export function interruptedRun(overrides: Partial<InterruptedRunRow> = {}): InterruptedRunRow {
	return {
		runId: '20261122T140312Z-4242',
		startedAt: new Date(Date.now() - 3 * 3_600_000).toISOString(),
		by: 'ops@build-host (pid 4242)',
		containers: ['app-1'],
		stateNow: [
			'app-1: old container: app-1-old (a1a1a1a1a1a1) image registry.local:5000/acme/app:1.6.0, exited',
			'app-1: new container: n1n1n1n1n1n1 does not exist',
		],
		steps: ['rename app-1-old back to app-1', 'start the old app-1', 'check that app-1 is healthy'],
		journal: '/state/upgrade-wizard/runs/20261122T140312Z-4242.json',
		...overrides,
	};
}

export const RECOVERED: ContainerSummary = {
	container: 'app-1',
	from: '1.6.0',
	to: '1.7.0',
	result: 'rolled-back',
	reason: 'recovered after the run was interrupted during the hop to 1.7.0',
};

/** What backend.recover plays: the recover gate, the rollback steps, health, the summary (exit 0). */
export function recoveryScript(runId: string, summary: Partial<RunSummary> = {}): ScriptItem[] {
	const journal = `/state/upgrade-wizard/runs/${runId}.json`;
	return [
		{ type: 'run-started', runId, containers: ['app-1'], dryRun: false, journal },
		{ type: 'plan', lines: [`Recover run ${runId}`, '- rename app-1-old back to app-1', '- start the old app-1'] },
		{ ask: { kind: 'recover', title: 'Recover the interrupted run?', message: `interrupted run ${runId}` } },
		{ type: 'rollback-started', container: 'app-1', reason: RECOVERED.reason! },
		{ type: 'rollback-step', container: 'app-1', action: 'rename app-1-old back to app-1', ok: true },
		{ type: 'rollback-step', container: 'app-1', action: 'start the old app-1', ok: true },
		{ type: 'health', container: 'app-1', status: 'healthy', detail: 'old container: Docker healthcheck: healthy' },
		{ type: 'rollback-done', container: 'app-1', ok: true, detail: 'old container a1a1a1a1a1a1 is back as app-1: healthy' },
		{ type: 'container-done', summary: RECOVERED },
		{ type: 'run-done', summary: { runId, exitCode: 0, containers: [RECOVERED], journal, ...summary } },
	];
}

/** A stdout of a given size for ink's render(), recording frames like ink-testing-library's. */
export class SizedStdout extends EventEmitter {
	frames: string[] = [];
	isTTY = true;
	constructor(
		public columns: number,
		public rows: number,
	) {
		super();
	}
	write = (frame: string) => {
		this.frames.push(frame);
		return true;
	};
	lastFrame = () => this.frames[this.frames.length - 1];
}

export class FakeStdin extends EventEmitter {
	isTTY = true;
	private data: string | null = null;
	write = (data: string) => {
		this.data = data;
		this.emit('readable');
		this.emit('data', data);
	};
	read = () => {
		const { data } = this;
		this.data = null;
		return data;
	};
	setEncoding() {}
	setRawMode() {}
	resume() {}
	pause() {}
	ref() {}
	unref() {}
}

/** Render the wizard on a fake backend and walk it to the start of the run (containers, version, plan). */
export async function startRun(run: WizardBackend['run'], interrupt?: AbortSignal) {
	const { app, onExit } = await toPlanScreen({ run }, interrupt);
	await waitForFrame(app.lastFrame, 'The plan');
	await tick();
	await press(app.stdin, ENTER);
	return { ...app, onExit };
}

/** Render the wizard on a fake backend and walk it to the plan stage (containers, version): the preview has been asked for. */
export async function toPlanScreen(options: FakeOptions = {}, interrupt?: AbortSignal) {
	const onExit = vi.fn();
	const backend = fakeBackend(options);
	const app = render(<WizardApp backend={backend} options={{ preselect: { containers: ['app-1'], labels: [] }, interrupt }} onExit={onExit} />);
	await waitForFrame(app.lastFrame, '[x] app-1');
	await tick();
	await press(app.stdin, ENTER);
	await waitForFrame(app.lastFrame, 'MINOR');
	await tick();
	await press(app.stdin, ENTER);
	return { app, backend, onExit };
}
