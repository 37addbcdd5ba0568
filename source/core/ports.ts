import type { Gate, PullProgress, RunEvent, StepName } from './events.js';
import type { Plan, Unit } from './plan/plan.js';
import type { DatabasePlan } from './plan/database.js';
import type { BackupRecord, UnitRecord, UnitRecordInput } from './journal/journal.js';

// What the core may call. The executor, rollback and recovery see units,
// transitions and typed undos; what a unit is on an engine (dockerode calls,
// create options, Compose files...) lives behind a UnitDriver in targets/.
// The database is reached through a DatabasePort (postgres/ behind it).

/**
 * A typed undo, journaled before its transition runs. Data, never a CLI
 * string: rollback and recovery execute it against what the engine holds then.
 * Each driver defines its own kinds; `{ kind: 'none' }` marks a transition with
 * nothing to put back (a health gate) or that cannot be put back (a commit).
 */
export interface Undo {
	kind: string;
	[field: string]: string | number | boolean | undefined;
}

/** Rollback runs in phases so the database is restored with nothing of the unit running. */
export type UndoPhase = 'detach' | 'revive' | 'none';

export interface TransitionContext {
	emit(event: RunEvent): void;
	signal?: AbortSignal;
	/** Journal facts learned while running (a new container's ID), patching the undo too. */
	record(data: Record<string, string>, undo?: Partial<Undo>): Promise<void>;
	/** A backup a unit takes itself (a PostgreSQL server's full dump), recorded with the run's backups. */
	recordBackup(backup: BackupRecord): Promise<void>;
}

export interface Transition {
	/** Journal kind of the action, e.g. 'stop-old'. */
	kind: string;
	step: StepName;
	intent: string;
	/** The step-started detail when it is not the intent (the health gate announces itself: null). */
	announce?: string | null;
	/** The second half of the step before it (a staged container's rename after the park): no step events of its own. */
	quiet?: boolean;
	undo: Undo;
	/** This transition starts the target version: a migrating hop may have migrated from here on. */
	startsTarget?: boolean;
	/** Downtime is measured from the transition that opens it to the one that closes it. */
	downtime?: 'opens' | 'closes';
	/** Returns the step-done detail, if any. Throws a TransitionFailure (or any error). */
	run(ctx: TransitionContext): Promise<string | void>;
}

/** A failed transition, with lines (health check output, log tail) to show with it. */
export class TransitionFailure extends Error {
	constructor(
		readonly step: StepName,
		message: string,
		readonly detail: string[] = [],
	) {
		super(message);
	}
}

export interface UndoContext {
	emit(event: RunEvent): void;
}

export type HealthVerdict = { ok: true; detail: string } | { ok: false; reason: string };

export interface HandOver {
	/** What is on the engine now: one line per object. */
	state: string[];
	/** What to type to finish by hand. */
	commands: string[];
}

export interface UnitDriver<U extends Unit = Unit> {
	readonly kind: string;
	/** The journal record of a unit before its hop starts (a redacted snapshot is written). */
	record(unit: U, hop: string): UnitRecordInput;
	/** Fetch the target (pull) before anything stops. */
	prepare(unit: U, ctx: { onProgress(progress: PullProgress): void; onWarning(message: string): void; signal?: AbortSignal }): Promise<PullProgress>;
	/** The swap, in order: each transition journaled with its undo before it runs. */
	swap(unit: U): Transition[];
	/** Stop the running version only (offline backup, --stop-all-first). */
	stop(unit: U, why: string): Transition;
	/** Remove what the way back needed, once the whole hop is healthy. */
	commit(record: UnitRecord): Transition;
	/** The same unit planned from what runs now, for the next hop. */
	replan(unit: U, targetRef: string): Promise<U>;
	/** What the unit keeps of its previous version until the hop commits (a container: `<name>-old`), for --keep-old. */
	kept(unit: U): string | undefined;
	/** The commands that remove what kept() names, when `docker rm <kept>` is not all of it. */
	keptRemoval?(unit: U): string[] | undefined;
	/**
	 * A unit that backs itself up (a PostgreSQL server: every database and the
	 * roles, as its first transition) asks this gate instead of the app-database
	 * backup gate; without it, a plan with no database plan asks the skip-backup gate.
	 */
	backupGate?(unit: U): Gate;
	/** The unit's steps in order, for progress views (the backup is inserted where it runs). */
	steps(unit: U): StepName[];
	/** Lines for the plan (what --dry-run prints for this unit). */
	describe(unit: U, plan: Plan<U>): string[];
	phaseOf(undo: Undo): UndoPhase;
	/** The undo in words ("rename app-old back to app"); two undos with one label run once. */
	label(record: UnitRecord, undo: Undo): string;
	/** Run one undo; idempotent against the engine's actual state (rollback and recovery alike). */
	undo(record: UnitRecord, undo: Undo, ctx: UndoContext): Promise<void>;
	/** The hand-typed equivalent of an undo, for the exit-3 hand-over. */
	command(record: UnitRecord, undo: Undo): string | undefined;
	/** After the undos: is the unit back as it was, and healthy? */
	verifyBack(record: UnitRecord, ctx: UndoContext): Promise<HealthVerdict & { back?: string }>;
	handOver(record: UnitRecord): Promise<HandOver>;
	/** What the engine holds now for this unit, in words (recovery shows it before acting). */
	stateNow(record: UnitRecord): Promise<string[]>;
}

export interface BackupOutcome extends BackupRecord {
	sha256Path?: string;
}

/** Enough of a database plan to restore into it (recovery rebuilds this from the journal's locator). */
export type RestoreTarget = Pick<DatabasePlan, 'target' | 'embedded' | 'display' | 'toolDirs'>;

export interface DatabasePort {
	backup(
		database: DatabasePlan,
		input: { fileStem: string; hop: string; containerInspect?: unknown; signal?: AbortSignal; onProgress(bytes: number, elapsedMs: number): void },
	): Promise<BackupOutcome>;
	/** pg_restore of a backup recorded in the journal, row counts checked (or an embedded server's data directory put back, every file checked); resolves to what was verified, in words. */
	restore(database: RestoreTarget, backup: BackupRecord, onProgress: (bytes: number, elapsedMs: number) => void): Promise<string>;
	checkSpace(dir: string, sizeBytes: number): Promise<{ ok: boolean; freeBytes: number; neededBytes: number }>;
}
