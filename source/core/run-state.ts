import type { ContainerSummary, Gate, PullProgress, RunSummary, TimedEvent } from './events.js';
import { describeGateAnswer } from './gate-answer.js';

// Folds executor events into one immutable snapshot that views render from.
// Every update copies only the path it changes, so a view selecting one
// container (useSyncExternalStore + selector) re-renders only when that
// container changed. The reducer is deliberately tolerant: events or step
// names it does not know (a backup step, new event types) must never break a
// running upgrade's display.

/** Lines of a container's log kept live; older lines move to the finished list. */
export const LOG_TAIL_LINES = 8;
/** The finished list is append-only (it feeds <Static>); past this it stops growing. */
export const MAX_FINISHED_LINES = 2000;
/** The steps every container goes through, in order; others are inserted as they start. */
export const DEFAULT_STEPS: readonly string[] = ['pull', 'stop', 'rename', 'create', 'start', 'health', 'remove-old'];
/** Steps a rollback does not undo: they change nothing to undo, or are part of the rollback (restore). */
const NOT_UNDONE_STEPS = new Set(['preflight', 'backup', 'pull', 'restore']);
/** A pull rate is a moving average: single progress events are too bursty to show. */
const RATE_SMOOTHING = 0.3;

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'rolled-back';

export interface StepState {
	name: string;
	status: StepStatus;
	startedAt?: number;
	durationMs?: number;
	detail?: string;
}

export interface LayerState {
	id: string;
	status: string;
	current: number;
	total: number;
}

export interface PullState {
	/**
	 * Image bytes. The executor's aggregate counts each layer twice (download,
	 * then extract, see docker/pull-progress.ts); halved here, as the plain
	 * reporter does, so the figure reads as the image's size.
	 */
	bytes: number;
	totalBytes: number;
	layersDone: number;
	layersKnown: number;
	layers: LayerState[];
	/** Image bytes per second, smoothed; undefined until two samples exist. */
	rate?: number;
	sampledAt: number;
}

/** Byte counter of a step that reports only a figure (the backup). */
export interface CounterState {
	bytes: number;
	totalBytes?: number;
	at: number;
}

export interface HealthState {
	status: string;
	detail?: string;
	at: number;
}

export interface RollbackState {
	status: 'running' | 'done' | 'failed';
	reason: string;
	startedAt: number;
	steps: Array<{ action: string; ok: boolean; detail?: string }>;
	detail?: string;
}

export interface FailureState {
	step: string;
	message: string;
	detail: string[];
}

export interface ContainerRunState {
	name: string;
	steps: StepState[];
	pull?: PullState;
	counters: Record<string, CounterState>;
	health?: HealthState;
	logTail: string[];
	startedAt?: number;
	/** When "stop old" was issued: downtime runs from here. */
	stopIssuedAt?: number;
	/** Downtime of earlier hops' closed windows (a multi-hop run stops the unit once per hop). */
	pastDowntimeMs?: number;
	/** When the new container passed the gate (or the old one was back, after a rollback). */
	healthyAt?: number;
	endedAt?: number;
	failure?: FailureState;
	rollback?: RollbackState;
	summary?: ContainerSummary;
}

export type FinishedKind = 'step' | 'log' | 'health' | 'gate' | 'warning' | 'failure' | 'rollback' | 'note';

export interface FinishedLine {
	id: number;
	kind: FinishedKind;
	container?: string;
	text: string;
	ok?: boolean;
}

export interface AnsweredGate {
	gate: Gate;
	answer: boolean;
	by: string;
	at: number;
}

export type RunPhase = 'idle' | 'running' | 'rolling-back' | 'done';

export interface RunState {
	phase: RunPhase;
	runId?: string;
	dryRun: boolean;
	journal?: string;
	startedAt?: number;
	endedAt?: number;
	/** Time of the latest event: a clock for consumers that have no other. */
	lastEventAt?: number;
	/** Container names in run order. */
	order: string[];
	containers: Record<string, ContainerRunState>;
	/** The container the executor last worked on: the one shown in detail. */
	active?: string;
	planLines: string[];
	gates: AnsweredGate[];
	warnings: string[];
	finished: FinishedLine[];
	summary?: RunSummary;
}

export function initialRunState(): RunState {
	return {
		phase: 'idle',
		dryRun: false,
		order: [],
		containers: {},
		planLines: [],
		gates: [],
		warnings: [],
		finished: [],
	};
}

function newContainer(name: string, steps: readonly string[] = DEFAULT_STEPS): ContainerRunState {
	return {
		name,
		steps: steps.map((step) => ({ name: step, status: 'pending' })),
		counters: {},
		logTail: [],
	};
}

function withContainer(state: RunState, name: string, update: (container: ContainerRunState) => ContainerRunState): RunState {
	const known = state.containers[name];
	const container = update(known ?? newContainer(name));
	return {
		...state,
		order: known || state.order.includes(name) ? state.order : [...state.order, name],
		containers: { ...state.containers, [name]: container },
	};
}

/** Updates a step, inserting an unknown one before the first step that has not started yet. */
function withStep(container: ContainerRunState, name: string, update: (step: StepState) => StepState): ContainerRunState {
	const index = container.steps.findIndex((step) => step.name === name);
	const steps = container.steps.slice();
	if (index >= 0) {
		steps[index] = update(steps[index]!);
	} else {
		const firstPending = steps.findIndex((step) => step.status === 'pending');
		const at = firstPending >= 0 ? firstPending : steps.length;
		steps.splice(at, 0, update({ name, status: 'pending' }));
	}
	return { ...container, steps };
}

/**
 * Appends history. A container's live log tail is flushed before any other
 * line about it, so the history reads in the order things happened.
 */
function appendFinished(state: RunState, lines: Array<Omit<FinishedLine, 'id'>>): RunState {
	let next = state;
	for (const line of lines) {
		if (line.kind !== 'log' && line.container) next = flushTail(next, line.container);
	}
	return appendLines(next, lines);
}

function appendLines(state: RunState, lines: Array<Omit<FinishedLine, 'id'>>): RunState {
	if (lines.length === 0 || state.finished.length >= MAX_FINISHED_LINES) return state;
	const room = MAX_FINISHED_LINES - state.finished.length;
	let next = state.finished.length > 0 ? state.finished[state.finished.length - 1]!.id + 1 : 0;
	const added: FinishedLine[] = lines.slice(0, room).map((line) => ({ ...line, id: next++ }));
	if (lines.length >= room) {
		added[added.length - 1] = { id: added[added.length - 1]!.id, kind: 'note', text: 'further lines are not kept here; see docker logs and the journal' };
	}
	return { ...state, finished: [...state.finished, ...added] };
}

/** The live tail is done with: its lines become history. */
function flushTail(state: RunState, name: string): RunState {
	const container = state.containers[name];
	if (!container || container.logTail.length === 0) return state;
	const lines = container.logTail.map((line) => ({ kind: 'log' as const, container: name, text: line }));
	return appendLines(withContainer(state, name, (current) => ({ ...current, logTail: [] })), lines);
}

function pullState(previous: PullState | undefined, progress: PullProgress, at: number): PullState {
	const bytes = Math.max(Math.floor((progress.current ?? 0) / 2), previous?.bytes ?? 0);
	const totalBytes = Math.max(Math.floor((progress.total ?? 0) / 2), previous?.totalBytes ?? 0);
	let rate = previous?.rate;
	if (previous && at > previous.sampledAt) {
		const sample = ((bytes - previous.bytes) * 1000) / (at - previous.sampledAt);
		rate = rate === undefined ? sample : rate + RATE_SMOOTHING * (sample - rate);
	}
	const layers = Array.isArray(progress.layers)
		? progress.layers.map((layer) => ({
				id: layer.id,
				status: layer.status,
				current: Math.floor((layer.current ?? 0) / 2),
				total: Math.floor((layer.total ?? 0) / 2),
			}))
		: (previous?.layers ?? []);
	return {
		bytes,
		totalBytes,
		layersDone: progress.layersDone ?? previous?.layersDone ?? 0,
		layersKnown: progress.layersKnown ?? previous?.layersKnown ?? 0,
		layers,
		rate,
		sampledAt: at,
	};
}

/**
 * The figure of a progress event of a step other than pull: backup and restore
 * send `bytes` (and `elapsedMs`); a nested `progress` object is read too, so a
 * future step's shape does not break the display.
 */
function counterFrom(event: object, at: number): CounterState | undefined {
	const top = event as Record<string, unknown>;
	const nested = top.progress;
	if (typeof top.bytes === 'number') return { bytes: top.bytes, at };
	if (typeof nested === 'number') return { bytes: nested, at };
	if (!nested || typeof nested !== 'object') return undefined;
	const record = nested as Record<string, unknown>;
	const bytes = [record.bytes, record.current, record.written].find((value) => typeof value === 'number') as number | undefined;
	if (bytes === undefined) return undefined;
	const total = [record.totalBytes, record.total, record.estimate].find((value) => typeof value === 'number') as number | undefined;
	return total === undefined ? { bytes, at } : { bytes, totalBytes: total, at };
}

function stepText(event: { container: string; step: string; durationMs?: number; detail?: string }): string {
	const seconds = event.durationMs === undefined ? '' : ` in ${formatMs(event.durationMs)}`;
	return `${event.container}: ${event.step} done${seconds}${event.detail ? ` (${event.detail})` : ''}`;
}

function formatMs(ms: number): string {
	return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function reduceRun(state: RunState, event: TimedEvent): RunState {
	const at = typeof event.at === 'number' ? event.at : (state.lastEventAt ?? 0);
	const next = reduceEvent(state, event, at);
	if (next === state) return state;
	return { ...next, lastEventAt: at };
}

function reduceEvent(state: RunState, event: TimedEvent, at: number): RunState {
	switch (event.type) {
		case 'run-started': {
			let next: RunState = {
				...state,
				phase: 'running',
				runId: event.runId,
				dryRun: event.dryRun,
				journal: event.journal,
				startedAt: at,
			};
			for (const name of event.containers ?? []) {
				const steps = event.steps?.[name];
				next = withContainer(next, name, (container) => (steps && !state.containers[name] ? newContainer(name, steps) : container));
			}
			return next;
		}
		case 'plan':
			return { ...state, planLines: event.lines ?? [] };
		case 'step-started': {
			const next = withContainer(state, event.container, (known) => {
				const container = event.step === 'pull' ? nextHop(known) : known;
				const updated = withStep(container, event.step, (step) => ({ ...step, status: 'running', startedAt: at, detail: event.detail ?? step.detail }));
				if (event.step !== 'stop') return { ...updated, startedAt: container.startedAt ?? at };
				// A new stop after a closed window (the next hop): keep what the last one lasted.
				const closed = container.stopIssuedAt !== undefined && container.healthyAt !== undefined && container.healthyAt >= container.stopIssuedAt;
				return {
					...updated,
					startedAt: container.startedAt ?? at,
					stopIssuedAt: closed || container.stopIssuedAt === undefined ? at : container.stopIssuedAt,
					pastDowntimeMs: (container.pastDowntimeMs ?? 0) + (closed ? container.healthyAt! - container.stopIssuedAt! : 0),
					healthyAt: closed ? undefined : container.healthyAt,
				};
			});
			return { ...next, active: event.container };
		}
		case 'step-done': {
			let next = withContainer(state, event.container, (known) => {
				// A cluster's other units hear of the next hop's pull only as done ("already pulled").
				const container = event.step === 'pull' ? nextHop(known) : known;
				const updated = withStep(container, event.step, (step) => ({
					...step,
					status: 'done',
					durationMs: event.durationMs,
					detail: event.detail ?? step.detail,
				}));
				return { ...updated, healthyAt: event.step === 'health' ? at : container.healthyAt };
			});
			// The step line flushes the log tail too: after the health wait its lines are history.
			return appendFinished(next, [{ kind: 'step', container: event.container, text: stepText(event), ok: true }]);
		}
		case 'progress': {
			const step = String(event.step);
			if (event.step === 'pull') {
				const progress = event.progress;
				return withContainer(state, event.container, (container) => ({ ...container, pull: pullState(container.pull, progress, at) }));
			}
			const counter = counterFrom(event, at);
			if (!counter) return state;
			return withContainer(state, event.container, (container) => ({ ...container, counters: { ...container.counters, [step]: counter } }));
		}
		case 'log': {
			const line = String(event.line ?? '');
			const container = state.containers[event.container] ?? newContainer(event.container);
			const tail = [...container.logTail, line];
			const overflow = tail.length > LOG_TAIL_LINES ? tail.splice(0, tail.length - LOG_TAIL_LINES) : [];
			const next = withContainer(state, event.container, (current) => ({ ...current, logTail: tail }));
			return appendLines(next, overflow.map((text) => ({ kind: 'log' as const, container: event.container, text })));
		}
		case 'health': {
			const previous = state.containers[event.container]?.health;
			const next = withContainer(state, event.container, (container) => ({ ...container, health: { status: event.status, detail: event.detail, at } }));
			// History records transitions, not every poll.
			if (previous?.status === event.status) return next;
			return appendFinished(next, [{ kind: 'health', container: event.container, text: `${event.container}: health ${event.status}${event.detail ? ` (${event.detail})` : ''}` }]);
		}
		case 'abort': {
			const text = `abort requested (${event.reason}): rolling back at the next safe point`;
			return appendFinished({ ...state, warnings: [...state.warnings, text] }, [{ kind: 'warning', text }]);
		}
		case 'warning': {
			const text = `${event.container ? `${event.container}: ` : ''}warning: ${event.message}`;
			return appendFinished({ ...state, warnings: [...state.warnings, text] }, [{ kind: 'warning', container: event.container, text }]);
		}
		case 'gate': {
			const answered: AnsweredGate = { gate: event.gate, answer: event.answer, by: event.by, at };
			const text = describeGateAnswer(event);
			return appendFinished({ ...state, gates: [...state.gates, answered] }, [{ kind: 'gate', container: event.gate.container, text, ok: event.answer }]);
		}
		case 'failure': {
			const next = withContainer(state, event.container, (container) => ({
				...withStep(container, event.step, (step) => ({ ...step, status: 'failed', durationMs: step.startedAt !== undefined ? at - step.startedAt : step.durationMs })),
				failure: { step: event.step, message: event.message, detail: event.detail ?? [] },
			}));
			const lines = [`${event.container}: FAILED at ${event.step}: ${event.message}`, ...(event.detail ?? []).map((line) => `  ${line}`)];
			return appendFinished({ ...next, active: event.container }, lines.map((text) => ({ kind: 'failure' as const, container: event.container, text, ok: false })));
		}
		case 'rollback-started': {
			const next = withContainer(state, event.container, (container) => ({
				...container,
				// A step still running when the rollback starts did not finish.
				steps: container.steps.map((step) => (step.status === 'running' ? { ...step, status: 'failed' } : step)),
				rollback: { status: 'running', reason: event.reason, startedAt: at, steps: [] },
			}));
			return appendFinished({ ...next, phase: 'rolling-back', active: event.container }, [
				{ kind: 'rollback', container: event.container, text: `${event.container}: rolling back: ${event.reason}` },
			]);
		}
		case 'rollback-step': {
			const next = withContainer(state, event.container, (container) => {
				const rollback = container.rollback ?? { status: 'running' as const, reason: '', startedAt: at, steps: [] };
				return { ...container, rollback: { ...rollback, steps: [...rollback.steps, { action: event.action, ok: event.ok, detail: event.detail }] } };
			});
			const text = `${event.container}: rollback: ${event.action} ${event.ok ? 'ok' : `FAILED${event.detail ? `: ${event.detail}` : ''}`}`;
			return appendFinished(next, [{ kind: 'rollback', container: event.container, text, ok: event.ok }]);
		}
		case 'rollback-done': {
			let next = withContainer(state, event.container, (container) => {
				const rollback = container.rollback ?? { status: 'running' as const, reason: '', startedAt: at, steps: [] };
				const steps = event.ok
					? container.steps.map((step) => (step.status === 'done' && !NOT_UNDONE_STEPS.has(step.name) ? { ...step, status: 'rolled-back' as const } : step))
					: container.steps;
				return {
					...container,
					steps,
					healthyAt: event.ok ? at : container.healthyAt,
					rollback: { ...rollback, status: event.ok ? 'done' : 'failed', detail: event.detail },
				};
			});
			const stillRolling = Object.values(next.containers).some((container) => container.rollback?.status === 'running');
			next = { ...next, phase: stillRolling ? 'rolling-back' : next.phase === 'done' ? 'done' : 'running' };
			const text = `${event.container}: rollback ${event.ok ? 'complete' : 'INCOMPLETE'}${event.detail ? `: ${event.detail}` : ''}`;
			return appendFinished(next, [{ kind: 'rollback', container: event.container, text, ok: event.ok }]);
		}
		case 'container-done': {
			const summary = event.summary;
			const next = withContainer(state, summary.container, (container) => ({ ...container, summary, endedAt: at }));
			return flushTail(next, summary.container);
		}
		case 'run-done': {
			let next: RunState = { ...state, phase: 'done', endedAt: at, summary: event.summary, journal: event.summary.journal ?? state.journal };
			for (const name of next.order) next = flushTail(next, name);
			return next;
		}
		default:
			// Unknown event types (a newer executor) are ignored, never fatal.
			return state;
	}
}

/** Downtime so far, summed over hops: each stop issued -> healthy (or now, while it lasts). */
export function downtimeOf(container: ContainerRunState, now: number): { ms: number; running: boolean } | undefined {
	if (container.summary?.downtimeMs !== undefined) return { ms: container.summary.downtimeMs, running: false };
	if (container.stopIssuedAt === undefined) return undefined;
	const past = container.pastDowntimeMs ?? 0;
	if (container.healthyAt !== undefined) return { ms: past + container.healthyAt - container.stopIssuedAt, running: false };
	if (container.endedAt !== undefined) return { ms: past + container.endedAt - container.stopIssuedAt, running: false };
	return { ms: past + Math.max(0, now - container.stopIssuedAt), running: true };
}

/**
 * A pull after the unit's steps got past the pull is the next hop: its steps
 * start pending again, so the list shows this hop, not the last one's ends.
 */
function nextHop(container: ContainerRunState): ContainerRunState {
	const pull = container.steps.findIndex((step) => step.name === 'pull');
	const later = container.steps.slice(pull + 1).some((step) => step.status !== 'pending');
	if (pull < 0 || !later) return container;
	return { ...container, steps: container.steps.map((step) => ({ name: step.name, status: 'pending' })), pull: undefined, health: undefined };
}

export interface RunStore {
	dispatch(event: TimedEvent): void;
	subscribe(listener: () => void): () => void;
	getSnapshot(): RunState;
	/** Notify now if a notification is pending (the end of a run, tests). */
	flush(): void;
	/** Drop a pending notification timer. */
	dispose(): void;
}

export interface RunStoreOptions {
	/** Minimum time between notifications; ~15 a second by default. */
	intervalMs?: number;
	now?: () => number;
}

/**
 * The snapshot is always the latest state; notifications are throttled so a
 * burst of progress events costs at most one redraw per interval, and a
 * trailing notification always follows the last event of a burst.
 */
export function createRunStore(options: RunStoreOptions = {}): RunStore {
	const intervalMs = options.intervalMs ?? Math.ceil(1000 / 15);
	const now = options.now ?? Date.now;
	const listeners = new Set<() => void>();
	let state = initialRunState();
	let lastNotifiedAt = Number.NEGATIVE_INFINITY;
	let timer: ReturnType<typeof setTimeout> | undefined;
	let dirty = false;

	const notify = () => {
		if (timer !== undefined) clearTimeout(timer);
		timer = undefined;
		dirty = false;
		lastNotifiedAt = now();
		for (const listener of [...listeners]) listener();
	};

	const schedule = () => {
		dirty = true;
		if (timer !== undefined) return;
		const wait = lastNotifiedAt + intervalMs - now();
		if (wait <= 0) notify();
		else timer = setTimeout(notify, wait);
	};

	return {
		dispatch(event) {
			const next = reduceRun(state, event);
			if (next === state) return;
			state = next;
			schedule();
		},
		subscribe(listener) {
			listeners.add(listener);
			return () => {
				listeners.delete(listener);
			};
		},
		getSnapshot: () => state,
		flush() {
			if (dirty) notify();
		},
		dispose() {
			if (timer !== undefined) clearTimeout(timer);
			timer = undefined;
		},
	};
}
