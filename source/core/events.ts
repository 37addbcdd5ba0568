// The one contract between the executor and its views (plain text, NDJSON, the
// Ink wizard): everything shown is an event, everything asked is a gate.
// Every event about a container names its engine (`engine`): the run's event
// boundary (core/run/context.ts) fills it from the unit, so no emitter can forget.
// `container` is the unit's label (core/cluster-names.ts), unique in the run:
// the bare name, or `<name> on <engine>` when one name is a unit on several engines.

import type { ChecklistItem } from './plan/checks.js';

export type StepName =
	| 'preflight' | 'pull' | 'backup' | 'files' | 'stop' | 'rename' | 'migrate' | 'create' | 'start' | 'health' | 'checks' | 'remove-old' | 'restore'
	// A PostgreSQL major upgrade (targets/postgres-server): its own steps around the swap.
	| 'stop-apps' | 'volume' | 'move' | 'verify' | 'start-apps';

/** 'failed': the run failed before it changed this unit (a pull, a backup): nothing to roll back. */
export type ContainerResult = 'upgraded' | 'rolled-back' | 'failed' | 'rollback-failed' | 'not-attempted' | 'dry-run';

export interface ContainerSummary {
	/** The unit's label: its name, or `<name> on <engine>` when the name repeats on another engine of the run. */
	container: string;
	/** The container's own name, when `container` is a label that says its engine. */
	name?: string;
	/** The engine the container is on (its name: the context's, else the endpoint). */
	engine?: string;
	from: string;
	to: string;
	result: ContainerResult;
	/** The image the container runs now (after a partial multi-hop run: the last hop that passed); absent when a rollback could not finish. */
	now?: string;
	/** stop issued -> new container healthy (or old one back, on rollback) */
	downtimeMs?: number;
	pullMs?: number;
	totalMs?: number;
	reason?: string;
	oldContainerId?: string;
	newContainerId?: string;
	/** What is on the engine now, for exit 3: one line per object. */
	state?: string[];
	/** Commands to finish by hand, for exit 3. */
	commands?: string[];
	keptOld?: string;
	/** How to remove what was kept, when it is more than `docker rm <keptOld>` (a PostgreSQL server's old volume). */
	keptRemoval?: string[];
	/** format: how it was dumped, when not the single-file custom format ("directory, pg_dump -j 2, 9 files; sha256 of its manifest"). */
	backup?: { path: string; sha256: string; sizeBytes: number; format?: string };
	/** Every backup of a multi-hop run, each with the version restoring it returns to (the first one returns to the start). */
	backups?: Array<{ path: string; sha256: string; sizeBytes: number; returnsTo: string; format?: string }>;
	/** The database was restored from the backup during rollback. */
	restored?: boolean;
	/** Upgraded: the post-upgrade checklist (version, health, logs), each done, failed or not done. */
	checklist?: ChecklistItem[];
	/** When each step ran and when the unit was down, in ms from the unit's start: the summary's timeline. */
	timeline?: Timeline;
}

export interface Timeline {
	/** Steps in the order they ran; `hop` is the target tag of the hop they belong to. */
	steps: Array<{ hop: string; step: StepName; startMs: number; endMs: number }>;
	/** Each stop issued -> healthy again (one per hop that stopped the unit). */
	down: Array<{ startMs: number; endMs: number }>;
}

/** A cluster of several nodes: down only while every node is down at once. */
export interface ServiceDowntime {
	nodes: number;
	downtimeMs: number;
	/** Each node's down windows, in time order (ISO times). */
	windows: Array<{ container: string; engine?: string; from: string; to: string; ms: number }>;
}

export interface RunSummary {
	runId: string;
	exitCode: number;
	containers: ContainerSummary[];
	/** A cluster (two or more containers): the service's downtime and who was down when. */
	service?: ServiceDowntime;
	journal?: string;
	/** A one-line outcome when there are no containers to report (recover: nothing to recover). */
	message?: string;
}

export type GateKind = 'confirm-plan' | 'major-upgrade' | 'backup' | 'migration' | 'skip-backup' | 'recover';

export interface Gate {
	kind: GateKind;
	title: string;
	message: string;
	details?: string[];
	container?: string;
	engine?: string;
}

/**
 * Answers to a gate beyond yes and no. The backup gate offers all three:
 * back up as shown, back up somewhere else (`value`: the directory), or skip
 * the backup (the executor then asks the skip-backup gate to be sure).
 * 'no' declines the gate: the run ends with nothing touched.
 */
export type GateChoiceName = 'confirm' | 'destination' | 'skip' | 'no';

export interface GateChoice {
	choice: Exclude<GateChoiceName, 'no'>;
	label: string;
	/** The choice takes a typed value: a directory path. */
	input?: 'path';
}

export interface ChoiceGate extends Gate {
	choices: GateChoice[];
}

export interface GateAnswer {
	choice: GateChoiceName;
	value?: string;
}

/** Who answers gates: the operator (TUI, line prompts) or `--yes`. */
export interface Prompter {
	readonly name: 'operator' | '--yes';
	confirm(gate: Gate): Promise<boolean>;
	/**
	 * Optional, so prompters that only say yes or no (--yes, the line prompter)
	 * keep working: without it a choice gate is asked with `confirm`, and yes
	 * means 'confirm'.
	 */
	choose?(gate: ChoiceGate): Promise<GateAnswer>;
}

export interface PullProgress {
	/** Aggregated over all layers; never goes backwards. */
	current: number;
	total: number;
	layersDone: number;
	layersKnown: number;
	/** Per-layer detail for views that toggle it. */
	layers?: Array<{ id: string; status: string; current: number; total: number }>;
}

/** Unit label (a container's name, unless it repeats across engines) -> the name of the engine it is on. */
export type EngineOf = Record<string, string>;

/** An engine as the plan shows it: its name, where it is reached, its API. */
export interface PlanEngine {
	name: string;
	endpoint: string;
	apiVersion: string;
	/** How a later process (recover) reaches it again: a docker context by name, else the endpoint. */
	ref?: { kind: 'host' | 'context'; value: string };
}

export type RunEvent =
	| { type: 'run-started'; runId: string; containers: string[]; /** Container -> the engine it is on. */ engines?: EngineOf; dryRun: boolean; journal?: string; /** Each unit's steps in order, when its kind has its own (a Compose service has no rename). */ steps?: Record<string, StepName[]> }
	| { type: 'plan'; lines: string[]; /** The engines of the plan, in order, and the engine of each container. */ engines?: PlanEngine[]; containers?: EngineOf }
	| { type: 'step-started'; container: string; engine?: string; step: StepName; detail?: string }
	| { type: 'progress'; container: string; engine?: string; step: 'pull'; progress: PullProgress }
	/** Backup (pg_dump) or restore (pg_restore): bytes written/read so far. */
	| { type: 'progress'; container: string; engine?: string; step: 'backup' | 'restore' | 'move'; bytes: number; elapsedMs: number; /** The move: bytes of the databases to move, and which one moves now. */ totalBytes?: number; detail?: string }
	| { type: 'log'; container: string; engine?: string; source: 'new-container' | 'old-container' | 'one-off'; line: string }
	| { type: 'health'; container: string; engine?: string; status: string; detail?: string }
	/** The post-upgrade checklist of a unit whose gate passed (core/plan/checks.ts). */
	| { type: 'checklist'; container: string; engine?: string; items: ChecklistItem[] }
	| { type: 'step-done'; container: string; engine?: string; step: StepName; durationMs: number; detail?: string }
	| { type: 'warning'; container?: string; engine?: string; message: string }
	/** `answer` is true only for a yes ('confirm'); `choice` and `value` say what else was chosen on a choice gate. */
	| { type: 'gate'; gate: Gate; answer: boolean; by: Prompter['name']; choice?: GateChoiceName; value?: string }
	| { type: 'failure'; container: string; engine?: string; step: StepName; message: string; detail?: string[] }
	/** A signal (or the operator) asked to abort: the run rolls back at the next safe point. */
	| { type: 'abort'; reason: string }
	| { type: 'rollback-started'; container: string; engine?: string; reason: string }
	| { type: 'rollback-step'; container: string; engine?: string; action: string; ok: boolean; detail?: string }
	| { type: 'rollback-done'; container: string; engine?: string; ok: boolean; detail?: string }
	| { type: 'container-done'; summary: ContainerSummary }
	| { type: 'run-done'; summary: RunSummary };

/** Every emitted event carries its time (ms since epoch). */
export type TimedEvent = RunEvent & { at: number };

export type EventListener = (event: TimedEvent) => void;
