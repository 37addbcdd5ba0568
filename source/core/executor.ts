import type Docker from 'dockerode';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { ExitCode, messageOf } from './errors.js';
import type { ChoiceGate, ContainerSummary, EventListener, Gate, GateAnswer, Prompter, RunEvent, RunSummary, StepName } from './events.js';
import type { ContainerPlan, Plan } from './plan.js';
import { describePlan } from './plan.js';
import type { Journal, JournalAction } from './journal/journal.js';
import type { AuditLog } from './journal/audit-log.js';
import type { Redactor } from '../text/redact.js';
import type { DatabasePlan } from './database-plan.js';
import { pullImage, type RegistryAuth } from '../docker/pull.js';
import { backupDatabase, checkBackupSpace, type BackupResult } from '../postgres/backup.js';
import { restoreDatabase } from '../postgres/restore.js';
import { findPgDump, type PgTools } from '../postgres/pg-tools.js';
import { formatBytes } from '../text/format.js';
import { waitHealthy, type HealthGate } from '../docker/health.js';
import { followLogs, logTail } from '../docker/logs.js';
import {
	containerState,
	createFromSpec,
	removeContainer,
	renameContainer,
	startContainer,
	stopContainer,
} from '../docker/swap.js';

// The executor runs a Plan. It is the one engine behind every mode: views only
// render its events and answer its gates. Every destructive step is written to
// the journal (with its undo) before it runs, and rollback works from the
// journal, so what it undoes is what was recorded, not what memory believes.

export interface ExecutorDeps {
	docker: Docker;
	journal: Journal;
	audit: AuditLog;
	prompter: Prompter;
	redactor: Redactor;
	authFor: (ref: string) => Promise<RegistryAuth | undefined>;
	onEvent: EventListener;
	/** Plan a container's next hop from what is running now (read-only). */
	replan: (name: string, targetRef: string) => Promise<ContainerPlan>;
	/** Operator abort (Ctrl-C): stop at the next safe point and roll back. */
	signal?: AbortSignal;
}

class StepFailure extends Error {
	constructor(
		readonly step: StepName,
		message: string,
		readonly detail: string[] = [],
	) {
		super(message);
	}
}

const LOG_TAIL_LINES = 15;
/** Progress events are throttled; views redraw from the latest one. */
const PROGRESS_INTERVAL_MS = 100;
/** Other destinations (or skips taken back) before the backup gate counts as declined. */
const MAX_BACKUP_REASKS = 10;

function skipBackupGate(): Gate {
	return {
		kind: 'skip-backup',
		title: 'Upgrade without a backup?',
		message: 'No backup of the database will be taken. If the new version migrates the schema and fails, there is no way back.',
	};
}

/** `problem`: why the last directory the operator typed was refused. */
function backupGate(database: DatabasePlan, problem?: string): ChoiceGate {
	return {
		kind: 'backup',
		title: 'Back up the database',
		message: problem
			? `${problem}; the backup still goes to ${database.backupDir}`
			: `A pg_dump of ${database.display} is taken and verified before anything stops`,
		details: [
			`database: ${database.display} (server ${database.serverVersion})`,
			`size estimate: ${formatBytes(database.sizeBytes)} (the dump is usually smaller: it is compressed)`,
			`destination: ${database.backupDir} (${formatBytes(database.freeBytes)} free)`,
			`dumped by: ${database.dumpWith}`,
			database.offline ? 'the app is stopped before the dump (--offline-backup)' : 'the dump runs while the app is up, right before the first stop',
		],
		choices: [
			{ choice: 'confirm', label: `back up to ${database.backupDir}` },
			{ choice: 'destination', label: 'back up to another directory', input: 'path' },
			{ choice: 'skip', label: 'upgrade without a backup (asks again to be sure)' },
		],
	};
}

/** The same checks preflight made of the planned directory: writable, 1.2x the database free. */
async function otherDestination(database: DatabasePlan, typed: string): Promise<DatabasePlan | string> {
	const dir = resolve(typed.trim().replace(/^~(?=$|\/)/, homedir()));
	try {
		const space = await checkBackupSpace(dir, database.sizeBytes);
		if (!space.ok) {
			return `not enough space in ${dir}: ${formatBytes(space.freeBytes)} free, ${formatBytes(space.neededBytes)} needed (1.2 x the database)`;
		}
		return { ...database, backupDir: dir, freeBytes: space.freeBytes };
	} catch (error) {
		return `${dir} cannot take the backup: ${messageOf(error)}`;
	}
}

interface Timing {
	startedAt: number;
	originalFrom: string;
	finalTo: string;
	/** Summed over hops: each stop issued -> that container healthy again. */
	downtimeMs: number;
	stopIssuedAt?: number;
	pullMs?: number;
	keptOld?: string;
}

export class Executor {
	private readonly timings = new Map<string, Timing>();
	/** The newest verified backup of this run: what a rollback restores. */
	private lastBackup?: BackupResult;

	constructor(private readonly deps: ExecutorDeps) {}

	private emit(event: RunEvent): void {
		// The redaction boundary: nothing leaves the executor unredacted.
		this.deps.onEvent({ ...this.deps.redactor.value(event), at: Date.now() });
	}

	private get aborted(): boolean {
		return this.deps.signal?.aborted ?? false;
	}

	async run(plan: Plan): Promise<RunSummary> {
		const { journal } = this.deps;
		const names = plan.containers.map((container) => container.name);
		this.emit({ type: 'run-started', runId: journal.doc.runId, containers: names, dryRun: false, journal: journal.path });
		this.emit({ type: 'plan', lines: describePlan(plan) });
		for (const warning of plan.path.warnings) this.emit({ type: 'warning', message: warning });

		const finalRef = `${plan.path.repository}:${plan.hops[plan.hops.length - 1]}`;
		for (const container of plan.containers) {
			this.timings.set(container.name, { startedAt: Date.now(), originalFrom: container.from, finalTo: finalRef, downtimeMs: 0 });
		}
		const notTouched = (reason: string) => plan.containers.map((container) => this.summary(container, 'not-attempted', { reason }));

		const go = await this.ask({
			kind: 'confirm-plan',
			title: 'Run this plan?',
			message: `Upgrade ${names.join(', ')} from ${plan.path.current} to ${plan.hops[plan.hops.length - 1]}${plan.hops.length > 1 ? ` through ${plan.hops.slice(0, -1).join(', ')}` : ''}`,
		});
		if (!go) return this.finish(ExitCode.usage, notTouched('cancelled before anything was changed'), 'done');
		if (plan.path.majorGate) {
			const major = await this.ask({
				kind: 'major-upgrade',
				title: 'Major upgrade',
				message: `${plan.path.current} -> ${plan.hops[plan.hops.length - 1]} crosses a major version: expect breaking changes; read the release notes first`,
				details: plan.path.releaseNotes.map((note) => `${note.tag}: ${note.url}`),
			});
			if (!major) return this.finish(ExitCode.usage, notTouched('major upgrade not acknowledged; nothing was changed'), 'done');
		}
		if (!plan.database) {
			this.emit({ type: 'warning', message: 'no database backup will be taken (--skip-backup): a failed migration cannot be undone' });
			const skip = await this.ask(skipBackupGate());
			if (!skip) return this.finish(ExitCode.usage, notTouched('upgrade without a backup not confirmed; nothing was changed'), 'done');
		} else {
			const settled = await this.settleBackup(plan.database);
			if ('refused' in settled) return this.finish(ExitCode.usage, notTouched(settled.refused), 'done');
			// Asked even when the backup was skipped: a migration with no way back needs acknowledging all the more.
			for (const tag of plan.database.migratingHops) {
				const acknowledged = await this.ask(this.migrationGate(plan, tag, settled.database === undefined));
				if (!acknowledged) return this.finish(ExitCode.usage, notTouched(`schema migration of ${tag} not acknowledged; nothing was changed`), 'done');
			}
			if (!settled.database && plan.database.migratingHops.includes(plan.hops[0]!)) {
				// Without a database plan the hop no longer knows it migrates; keep the longer
				// first start it would have had, so a slow migration is not taken for a failure.
				for (const container of plan.containers) {
					container.health = { ...container.health, timeoutMs: plan.database.migrationTimeoutMs ?? container.health.timeoutMs * 5 };
				}
			}
			// From here on the run backs up where the operator said, or (skipped) takes
			// no backup and so restores nothing on rollback.
			plan = { ...plan, database: settled.database };
		}

		let stage = plan.containers;
		for (const [hopIndex, tag] of plan.hops.entries()) {
			if (hopIndex > 0) {
				// Later hops start from the containers the previous hop left: inspected now, so
				// the create options carry forward exactly what is running.
				try {
					stage = await Promise.all(stage.map((container) => this.deps.replan(container.name, `${plan.path.repository}:${tag}`)));
				} catch (error) {
					const reason = `planning the hop to ${tag} failed: ${messageOf(error)}; the containers stay on ${plan.hops[hopIndex - 1]}`;
					this.emit({ type: 'failure', container: stage[0]!.name, step: 'preflight', message: reason });
					return this.finish(ExitCode.rolledBack, stage.map((container) => this.summary(container, 'rolled-back', { reason })), 'rolled-back');
				}
			}
			const outcome = await this.runHop(stage, plan, hopIndex);
			if (outcome) return outcome;
		}

		const results = stage.map((container) => {
			const backup = this.lastBackup ? { path: this.lastBackup.path, sha256: this.lastBackup.sha256, sizeBytes: this.lastBackup.sizeBytes } : undefined;
			const summary = this.summary(container, 'upgraded', { keptOld: plan.keepOld ? container.parkedName : this.timings.get(container.name)?.keptOld, backup });
			this.emit({ type: 'container-done', summary });
			return summary;
		});
		return this.finish(ExitCode.ok, results, 'done');
	}

	/** One hop: pull, then swap every container in order, then remove the old ones. Returns a summary only when the run ends here. */
	private async runHop(stage: ContainerPlan[], plan: Plan, hopIndex: number): Promise<RunSummary | undefined> {
		const { journal } = this.deps;
		const lastHop = hopIndex === plan.hops.length - 1;
		const hopNote = plan.hops.length > 1 ? ` (hop ${hopIndex + 1} of ${plan.hops.length})` : '';
		for (const container of stage) {
			await journal.addContainer({
				key: container.key,
				name: container.name,
				parkedName: container.parkedName,
				oldId: container.id,
				oldImageId: container.oldImageId,
				from: container.from,
				to: container.to,
				targetRef: container.targetRef,
				inspect: { container: container.inspect, image: container.oldImage },
				createOptions: container.spec,
			});
		}

		// Pull before anything stops: a slow or failing pull must not add downtime.
		const lead = stage[0]!;
		try {
			await this.pull(lead, lead.targetRef);
		} catch (error) {
			const message = `${messageOf(error)}${hopNote}`;
			this.emit({ type: 'failure', container: lead.name, step: 'pull', message });
			const stayed = hopIndex === 0 ? 'nothing was stopped' : `the containers stay on ${plan.hops[hopIndex - 1]}`;
			return this.finish(ExitCode.rolledBack, stage.map((container) => this.summary(container, container === lead ? 'rolled-back' : 'not-attempted', {
				reason: container === lead ? `${message} (${stayed})` : `not attempted: the pull failed (${stayed})`,
			})), 'rolled-back');
		}
		for (const other of stage.slice(1)) {
			this.emit({ type: 'step-done', container: other.name, step: 'pull', durationMs: 0, detail: `${lead.targetRef} already pulled` });
		}

		const database = plan.database;
		const tag = plan.hops[hopIndex]!;
		const migrates = database?.migratingHops.includes(tag) ?? false;
		if (migrates) {
			// The first start runs the migration: give it longer than an ordinary start.
			for (const container of stage) {
				container.health = { ...container.health, timeoutMs: database!.migrationTimeoutMs ?? container.health.timeoutMs * 5 };
			}
		}
		if (database?.offline && (hopIndex === 0 || migrates)) {
			const stopped = await this.stopAll(stage, 'offline backup');
			if (stopped) return this.failHop(stage, [], stopped.container, stopped.reason, true, plan, hopIndex);
		}
		if (database && (hopIndex === 0 || migrates)) {
			try {
				await this.backup(plan, lead, tag);
			} catch (error) {
				const reason = `backup failed: ${messageOf(error)}`;
				this.emit({ type: 'failure', container: lead.name, step: 'backup', message: reason });
				if (database.offline) return this.failHop(stage, [], lead, reason, true, plan, hopIndex);
				const stayed = hopIndex === 0 ? 'nothing was stopped' : `the containers stay on ${plan.hops[hopIndex - 1]}`;
				return this.finish(ExitCode.rolledBack, stage.map((container) => this.summary(container, container === lead ? 'rolled-back' : 'not-attempted', {
					reason: container === lead ? `${reason} (${stayed})` : `not attempted: the backup failed (${stayed})`,
				})), 'rolled-back');
			}
		}
		if (database?.stopAllFirst && migrates && stage.length > 1) {
			const stopped = await this.stopAll(stage, '--stop-all-first');
			if (stopped) return this.failHop(stage, [], stopped.container, stopped.reason, true, plan, hopIndex);
		}

		const swapped: ContainerPlan[] = [];
		for (const container of stage) {
			if (this.aborted) return this.failHop(stage, swapped, container, `aborted by the operator before ${container.name} was touched`, false, plan, hopIndex);
			try {
				await this.swap(container);
				swapped.push(container);
			} catch (error) {
				const failure = error instanceof StepFailure ? error : new StepFailure('start', messageOf(error));
				this.emit({ type: 'failure', container: container.name, step: failure.step, message: `${failure.message}${hopNote}`, detail: failure.detail });
				return this.failHop(stage, swapped, container, failure.message, true, plan, hopIndex);
			}
		}

		// Every container of the hop is healthy: only now are the old ones removed. In a
		// cluster this keeps every node's way back until the whole hop has passed.
		for (const container of stage) {
			const timing = this.timings.get(container.name)!;
			if (plan.keepOld && lastHop) {
				timing.keptOld = container.parkedName;
			} else {
				try {
					await this.removeOld(container);
				} catch (error) {
					timing.keptOld = container.parkedName;
					this.emit({ type: 'warning', container: container.name, message: `could not remove ${container.parkedName}: ${messageOf(error)}` });
					if (!lastHop) {
						// The next hop would need the -old name; stop here rather than guess.
						return this.finish(ExitCode.rolledBack, stage.map((each) => this.summary(each, 'rolled-back', { reason: `stopped after ${plan.hops[hopIndex]}: ${container.parkedName} could not be removed` })), 'rolled-back');
					}
				}
			}
			await journal.setPhase(container.key, 'committed');
			await this.deps.audit.record({ container: container.name, action: 'upgraded', from: container.from, to: container.to });
		}
		return undefined;
	}

	/**
	 * The backup gate (screen 5): back up as planned, back up to another
	 * directory (checked like the planned one: writable, 1.2x the database
	 * free, then asked again), or, confirmed a second time, take no backup.
	 * Returns the database to back up (undefined: skipped) or why the run ends.
	 */
	private async settleBackup(planned: DatabasePlan): Promise<{ database: DatabasePlan | undefined } | { refused: string }> {
		let database = planned;
		let problem: string | undefined;
		// Bounded: an operator (or a prompter) going round in circles ends as a no.
		for (let round = 0; round <= MAX_BACKUP_REASKS; round++) {
			const answer = await this.askChoice(backupGate(database, problem));
			problem = undefined;
			if (answer.choice === 'confirm') return { database };
			if (answer.choice === 'destination') {
				const moved = answer.value?.trim() ? await otherDestination(database, answer.value) : 'no directory was given';
				if (typeof moved === 'string') problem = moved;
				else database = moved;
			} else if (answer.choice === 'skip') {
				if (await this.ask(skipBackupGate())) {
					this.emit({
						type: 'warning',
						message: 'no database backup will be taken (skipped by the operator): a failed migration cannot be undone and a rollback cannot restore the database',
					});
					return { database: undefined };
				}
				// Not confirmed: back to the backup question, nothing skipped.
			} else {
				return { refused: 'backup not confirmed; nothing was changed' };
			}
		}
		return { refused: `backup not confirmed after ${MAX_BACKUP_REASKS} changes; nothing was changed` };
	}

	/** A choice gate, asked as plain yes/no of prompters that cannot choose (--yes). */
	private async askChoice(gate: ChoiceGate): Promise<GateAnswer> {
		const { prompter } = this.deps;
		const raw: GateAnswer = prompter.choose ? await prompter.choose(gate) : { choice: (await prompter.confirm(gate)) ? 'confirm' : 'no' };
		// Only what the gate offered counts; anything else is a no.
		const offered = raw.choice === 'no' || gate.choices.some((choice) => choice.choice === raw.choice);
		const answer: GateAnswer = offered ? raw : { choice: 'no' };
		this.emit({
			type: 'gate',
			gate,
			answer: answer.choice === 'confirm',
			by: prompter.name,
			choice: answer.choice,
			...(answer.choice === 'destination' && answer.value !== undefined ? { value: answer.value } : {}),
		});
		return answer;
	}

	private migrationGate(plan: Plan, tag: string, noBackup = false): Parameters<Prompter['confirm']>[0] {
		const database = plan.database!;
		const index = plan.hops.indexOf(tag);
		const before = index === 0 ? database.schemaFrom : database.hopSchemas[plan.hops[index - 1]!];
		const timeout = database.migrationTimeoutMs ?? plan.options.healthTimeoutS * 5000;
		const details = [
			`database ${database.display}: schema ${before ?? 'unknown'} -> ${database.hopSchemas[tag]}`,
			`the first start runs the migration and may take much longer: the health timeout is ${Math.round(timeout / 1000)} s`,
			noBackup
				? 'there is no automatic downgrade and NO backup will be taken: nothing can take the migration back'
				: 'there is no automatic downgrade: the verified backup taken before it is the only way back',
		];
		if (plan.containers.length > 1) {
			details.push(
				database.stopAllFirst
					? 'every node is stopped before the first migrating start (--stop-all-first)'
					: 'nodes not yet upgraded run against the migrated schema until their turn',
			);
		}
		return { kind: 'migration', title: `Schema migration in ${tag}`, message: `${tag} migrates the database schema`, details };
	}

	/** Stop every container of the hop (journaled), for an offline backup or --stop-all-first. */
	private async stopAll(stage: ContainerPlan[], why: string): Promise<{ container: ContainerPlan; reason: string } | undefined> {
		for (const container of stage) {
			const timing = this.timings.get(container.name)!;
			timing.stopIssuedAt ??= Date.now();
			try {
				await this.step(container, 'stop', {
					kind: 'stop-old',
					intent: `stop ${container.name} (${container.id.slice(0, 12)}) for ${why}`,
					undo: `docker start ${container.id.slice(0, 12)}`,
				}, () => stopContainer(this.deps.docker, container.id, container.stopTimeoutS));
			} catch (error) {
				return { container, reason: `stopping ${container.name} for ${why} failed: ${messageOf(error)}` };
			}
		}
		return undefined;
	}

	/** pg_dump -Fc, verified, checksummed; recorded in the journal before anything stops. */
	private async backup(plan: Plan, lead: ContainerPlan, tag: string): Promise<BackupResult> {
		const database = plan.database!;
		const started = Date.now();
		// Named for the hop it guards: the versions before and after it.
		const from = lead.from.slice(lead.from.lastIndexOf(':') + 1);
		const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
		const fileStem = `${lead.name}-${from}-to-${tag}-${stamp}`.replace(/[^A-Za-z0-9._-]/g, '_');
		this.emit({ type: 'step-started', container: lead.name, step: 'backup', detail: `${database.display} -> ${database.backupDir}` });
		let lastEmit = 0;
		const result = await backupDatabase({
			...this.toolLookup(database),
			target: database.target,
			dir: database.backupDir,
			fileStem,
			containerInspect: this.deps.redactor.value(lead.inspect),
			docker: this.deps.docker,
			signal: this.deps.signal,
			onProgress: (bytes, elapsedMs) => {
				if (Date.now() - lastEmit < PROGRESS_INTERVAL_MS) return;
				lastEmit = Date.now();
				this.emit({ type: 'progress', container: lead.name, step: 'backup', bytes, elapsedMs });
			},
		});
		await this.deps.journal.recordBackup({
			hop: tag,
			path: result.path,
			sizeBytes: result.sizeBytes,
			sha256: result.sha256,
			serverVersion: result.serverVersion,
			tables: result.tables,
			inspectPath: result.inspectPath,
			database: database.display,
		});
		this.lastBackup = result;
		await this.deps.audit.record({ container: lead.name, action: 'backup', detail: `${result.path} sha256 ${result.sha256}` });
		this.emit({
			type: 'step-done',
			container: lead.name,
			step: 'backup',
			durationMs: Date.now() - started,
			detail: `${result.path} (${formatBytes(result.sizeBytes)}, sha256 ${result.sha256.slice(0, 16)}…, ${result.tables.length} tables verified)`,
		});
		return result;
	}

	/** --pg-bin: backup and restore look for host tools where preflight found them. */
	private toolLookup(database: DatabasePlan): { findTools?: (major: number) => Promise<PgTools | undefined> } {
		const dirs = database.toolDirs;
		return dirs ? { findTools: (major) => findPgDump(major, { dirs }) } : {};
	}

	private async ask(gate: Parameters<Prompter['confirm']>[0]): Promise<boolean> {
		const answer = await this.deps.prompter.confirm(gate);
		this.emit({ type: 'gate', gate, answer, by: this.deps.prompter.name });
		return answer;
	}

	private async pull(container: ContainerPlan, ref: string): Promise<void> {
		const started = Date.now();
		this.emit({ type: 'step-started', container: container.name, step: 'pull', detail: ref });
		let lastEmit = 0;
		const auth = await this.deps.authFor(ref);
		const final = await pullImage(this.deps.docker, ref, {
			auth,
			onProgress: (progress) => {
				const now = Date.now();
				if (now - lastEmit < PROGRESS_INTERVAL_MS) return;
				lastEmit = now;
				this.emit({ type: 'progress', container: container.name, step: 'pull', progress });
			},
		});
		this.emit({ type: 'progress', container: container.name, step: 'pull', progress: final });
		const durationMs = Date.now() - started;
		const timing = this.timings.get(container.name)!;
		timing.pullMs = (timing.pullMs ?? 0) + durationMs;
		this.emit({ type: 'step-done', container: container.name, step: 'pull', durationMs, detail: ref });
		await this.deps.journal.setPhase(container.key, 'pulled');
	}

	/** Run one journaled, destructive step. */
	private async step<T>(
		container: ContainerPlan,
		step: StepName,
		record: { kind: JournalAction['kind']; intent: string; undo: string },
		operation: (action: JournalAction) => Promise<T>,
	): Promise<T> {
		const started = Date.now();
		this.emit({ type: 'step-started', container: container.name, step, detail: record.intent });
		const action = await this.deps.journal.intend(container.key, record.kind, record.intent, record.undo);
		try {
			const result = await operation(action);
			await this.deps.journal.settle(action, 'done');
			this.emit({ type: 'step-done', container: container.name, step, durationMs: Date.now() - started });
			return result;
		} catch (error) {
			await this.deps.journal.settle(action, 'failed', { error: messageOf(error) });
			throw new StepFailure(step, messageOf(error));
		}
	}

	private async swap(container: ContainerPlan): Promise<void> {
		const { docker, journal } = this.deps;
		const timing = this.timings.get(container.name)!;
		await journal.setPhase(container.key, 'swapping');
		await this.deps.audit.record({ container: container.name, action: 'swap-started', from: container.from, to: container.to });

		timing.stopIssuedAt = Date.now();
		await this.step(container, 'stop', {
			kind: 'stop-old',
			intent: `stop ${container.name} (${container.id.slice(0, 12)}) with a ${container.stopTimeoutS} s timeout`,
			undo: `docker start ${container.id.slice(0, 12)}`,
		}, () => stopContainer(docker, container.id, container.stopTimeoutS));

		await this.step(container, 'rename', {
			kind: 'rename-old',
			intent: `rename ${container.name} to ${container.parkedName}`,
			undo: `docker rename ${container.parkedName} ${container.name}`,
		}, () => renameContainer(docker, container.id, container.parkedName));

		const newId = await this.step(container, 'create', {
			kind: 'create-new',
			intent: `create ${container.name} from ${container.targetRef} with the old container's configuration`,
			undo: `docker rm -f ${container.name}`,
		}, async (action) => {
			const id = await createFromSpec(docker, container.spec);
			await journal.settle(action, 'intent', { data: { newId: id } });
			await journal.setPhase(container.key, 'swapping', { newId: id });
			return id;
		});

		await this.step(container, 'start', {
			kind: 'start-new',
			intent: `start the new ${container.name} (${newId.slice(0, 12)})`,
			undo: `docker rm -f ${newId.slice(0, 12)}`,
		}, () => startContainer(docker, newId));

		await journal.setPhase(container.key, 'health');
		const gate = await this.healthGateFor(container, newId);
		const tail: string[] = [];
		const started = Date.now();
		this.emit({ type: 'step-started', container: container.name, step: 'health', detail: describeGate(gate) });
		const stopLogs = await followLogs(docker, newId, (line) => {
			tail.push(line);
			if (tail.length > LOG_TAIL_LINES) tail.shift();
			this.emit({ type: 'log', container: container.name, source: 'new-container', line });
		}).catch(() => () => undefined);
		let result;
		try {
			result = await waitHealthy(docker, newId, gate, {
				signal: this.deps.signal,
				onStatus: (status, detail) => this.emit({ type: 'health', container: container.name, status, detail }),
			});
		} finally {
			stopLogs();
		}
		if (!result.ok) {
			const detail: string[] = [];
			if (result.lastCheck) detail.push(`last health check: ${result.lastCheck}`);
			const lines = tail.length > 0 ? tail : await logTail(docker, newId, LOG_TAIL_LINES);
			if (lines.length > 0) detail.push('log tail:', ...lines.map((line) => `  ${line}`));
			throw new StepFailure('health', `the new ${container.name} did not become healthy: ${result.reason}`, detail);
		}
		this.downtimeEnded(container.name);
		this.emit({ type: 'step-done', container: container.name, step: 'health', durationMs: Date.now() - started, detail: result.detail });
	}

	/** The gate follows the new container's Docker healthcheck when it has one. */
	private async healthGateFor(container: ContainerPlan, newId: string): Promise<HealthGate> {
		const info = await this.deps.docker.getContainer(newId).inspect();
		const test = info.Config.Healthcheck?.Test ?? [];
		const hasHealthcheck = test.length > 0 && test[0] !== 'NONE';
		return { ...container.health, healthcheck: container.health.healthcheck === 'auto' && hasHealthcheck };
	}

	private async removeOld(container: ContainerPlan): Promise<void> {
		const started = Date.now();
		const action = await this.deps.journal.intend(
			container.key,
			'remove-old',
			`remove ${container.parkedName} (${container.id.slice(0, 12)})`,
			'none: the old container is gone; restore it from the journal inspect document if needed',
		);
		this.emit({ type: 'step-started', container: container.name, step: 'remove-old', detail: container.parkedName });
		try {
			await removeContainer(this.deps.docker, container.id, { force: false });
			await this.deps.journal.settle(action, 'done');
		} catch (error) {
			await this.deps.journal.settle(action, 'failed', { error: messageOf(error) });
			throw error;
		}
		this.emit({ type: 'step-done', container: container.name, step: 'remove-old', durationMs: Date.now() - started });
	}

	/**
	 * A container failed (or the operator aborted): roll back every container of
	 * this hop that was touched, newest first. When a migrating target may have
	 * started, the database is restored from the verified backup after the new
	 * containers are gone and before any old one starts again.
	 */
	private async failHop(
		stage: ContainerPlan[],
		swapped: ContainerPlan[],
		failed: ContainerPlan,
		reason: string,
		failedWasTouched: boolean,
		plan: Plan,
		hopIndex: number,
	): Promise<RunSummary> {
		const { journal } = this.deps;
		const touched = (container: ContainerPlan) => (journal.doc.containers[container.key]?.actions.length ?? 0) > 0;
		const order = [...new Set([...(failedWasTouched ? [failed] : []), ...swapped.slice().reverse(), ...stage.filter(touched)])].filter(touched);
		const landed = hopIndex === 0 ? '' : `; earlier hops stay: now on ${plan.hops[hopIndex - 1]}`;
		const why = (container: ContainerPlan) => `${container === failed ? reason : `rolled back because ${failed.name} failed: ${reason}`}${landed}`;

		const problems = new Map<string, string[]>();
		for (const container of order) {
			this.emit({ type: 'rollback-started', container: container.name, reason: why(container) });
			problems.set(container.name, await this.detachNew(container));
		}

		const tag = plan.hops[hopIndex]!;
		// Any start at all (even one that failed) may have run the migration.
		const started = order.some((container) => journal.container(container.key).actions.some((action) => action.kind === 'start-new'));
		const needRestore = Boolean(plan.database?.migratingHops.includes(tag) && started);
		let restored = false;
		if (needRestore) {
			const blocked = [...problems.values()].some((list) => list.length > 0);
			const restoreProblem = blocked
				? 'the database was not restored because the new containers could not all be removed'
				: await this.restore(plan, failed);
			if (restoreProblem) for (const container of order) problems.get(container.name)!.push(restoreProblem);
			else restored = true;
		}

		const results = new Map<string, ContainerSummary>();
		let allBack = true;
		for (const container of order) {
			const outcome = await this.bringBackOld(container, why(container), problems.get(container.name)!, restored);
			allBack &&= outcome.result === 'rolled-back';
			results.set(container.name, outcome);
		}
		for (const container of stage) {
			if (results.has(container.name)) continue;
			const summary = this.summary(container, 'not-attempted', {
				reason: `${container === failed ? reason : `not attempted: ${failed.name} ${failedWasTouched ? 'failed' : 'was not reached'}`}${landed}`,
			});
			this.emit({ type: 'container-done', summary });
			results.set(container.name, summary);
		}
		const ordered = stage.map((container) => results.get(container.name)!);
		return this.finish(allBack ? ExitCode.rolledBack : ExitCode.rollbackIncomplete, ordered, allBack ? 'rolled-back' : 'rollback-failed');
	}

	/** pg_restore of the newest backup into the same database, row counts checked; returns a problem or nothing. */
	private async restore(plan: Plan, failed: ContainerPlan): Promise<string | undefined> {
		const backup = this.lastBackup;
		const database = plan.database!;
		if (!backup) return 'no backup of this run to restore from';
		const started = Date.now();
		this.emit({ type: 'step-started', container: failed.name, step: 'restore', detail: `${backup.path} -> ${database.display}` });
		const record = await this.deps.journal.intendRestore(backup.path);
		let lastEmit = 0;
		try {
			const result = await restoreDatabase({
				...this.toolLookup(database),
				target: database.target,
				backup: { path: backup.path, sha256: backup.sha256, tables: backup.tables },
				docker: this.deps.docker,
				onProgress: (bytes, elapsedMs) => {
					if (Date.now() - lastEmit < PROGRESS_INTERVAL_MS) return;
					lastEmit = Date.now();
					this.emit({ type: 'progress', container: failed.name, step: 'restore', bytes, elapsedMs });
				},
			});
			await this.deps.journal.settleRestore(record, 'done');
			await this.deps.audit.record({ container: failed.name, action: 'database-restored', detail: backup.path });
			this.emit({
				type: 'step-done',
				container: failed.name,
				step: 'restore',
				durationMs: Date.now() - started,
				detail: `${result.verified.length} tables, row counts equal to the backup's`,
			});
			return undefined;
		} catch (error) {
			const message = messageOf(error);
			await this.deps.journal.settleRestore(record, 'failed', message);
			this.emit({ type: 'failure', container: failed.name, step: 'restore', message });
			return `restoring the database from ${backup.path} failed: ${message}`;
		}
	}

	private async undoAction(container: ContainerPlan, action: JournalAction, label: string, problems: string[], operation: () => Promise<void>): Promise<void> {
		const { journal } = this.deps;
		try {
			await operation();
			await journal.settle(action, 'undone');
			this.emit({ type: 'rollback-step', container: container.name, action: label, ok: true });
		} catch (error) {
			problems.push(`${label}: ${messageOf(error)}`);
			await journal.settle(action, 'undo-failed', { error: messageOf(error) });
			this.emit({ type: 'rollback-step', container: container.name, action: label, ok: false, detail: messageOf(error) });
		}
	}

	/** Rollback, first half (from the journal): the new container goes, the old one gets its name back. */
	private async detachNew(container: ContainerPlan): Promise<string[]> {
		const { docker, journal } = this.deps;
		await journal.setPhase(container.key, 'rolling-back');
		const entry = journal.container(container.key);
		const problems: string[] = [];
		const pending = entry.actions.filter((action) => action.status !== 'undone').reverse();
		let newRemoved = false;
		for (const action of pending) {
			if (action.kind === 'start-new' || action.kind === 'create-new') {
				if (newRemoved) {
					await journal.settle(action, 'undone');
					continue;
				}
				newRemoved = true;
				await this.undoAction(container, action, `remove the new ${container.name}`, problems, async () => {
					const newId = (entry.newId ?? action.data?.newId) as string | undefined;
					const candidate = newId ?? (await containerState(docker, container.name))?.id;
					// Never remove the old container by mistake: only an ID other than the old one.
					if (candidate && candidate !== entry.oldId) {
						await stopContainer(docker, candidate, 5).catch(() => undefined);
						await removeContainer(docker, candidate, { force: true });
					}
				});
			} else if (action.kind === 'rename-old') {
				await this.undoAction(container, action, `rename ${entry.parkedName} back to ${entry.name}`, problems, async () => {
					const old = await containerState(docker, entry.oldId);
					if (!old) throw new Error(`the old container ${entry.oldId.slice(0, 12)} no longer exists`);
					if (old.name !== entry.name) await renameContainer(docker, entry.oldId, entry.name);
				});
			}
		}
		return problems;
	}

	/** Rollback, second half: start the old container (if it was stopped) and check it is healthy. */
	private async bringBackOld(container: ContainerPlan, reason: string, problems: string[], restored: boolean): Promise<ContainerSummary> {
		const { docker, journal } = this.deps;
		const entry = journal.container(container.key);
		if (problems.length === 0) {
			for (const action of entry.actions.filter((each) => each.kind === 'stop-old' && each.status !== 'undone').reverse()) {
				await this.undoAction(container, action, `start the old ${entry.name}`, problems, () => startContainer(docker, entry.oldId));
			}
		}
		let healthNote = '';
		if (problems.length === 0) {
			const info = await docker.getContainer(entry.oldId).inspect();
			const test = info.Config.Healthcheck?.Test ?? [];
			const gate: HealthGate = { ...container.health, healthcheck: test.length > 0 && test[0] !== 'NONE' };
			const health = await waitHealthy(docker, entry.oldId, gate, {
				onStatus: (status, detail) => this.emit({ type: 'health', container: container.name, status, detail: `old container: ${detail ?? status}` }),
			});
			if (!health.ok) problems.push(`the old ${entry.name} is back but not healthy: ${health.reason}`);
			else healthNote = health.detail;
		}
		const backup = this.lastBackup ? { path: this.lastBackup.path, sha256: this.lastBackup.sha256, sizeBytes: this.lastBackup.sizeBytes } : undefined;
		if (problems.length === 0) {
			this.downtimeEnded(container.name);
			await journal.setPhase(container.key, 'rolled-back');
			await this.deps.audit.record({ container: container.name, action: 'rolled-back', from: container.to, to: container.from, detail: reason });
			this.emit({
				type: 'rollback-done',
				container: container.name,
				ok: true,
				detail: `old container ${entry.oldId.slice(0, 12)} is back as ${entry.name}${restored ? ', database restored from the backup' : ''}: ${healthNote}`,
			});
			const summary = this.summary(container, 'rolled-back', { reason, backup, restored });
			this.emit({ type: 'container-done', summary });
			return summary;
		}

		await journal.setPhase(container.key, 'rollback-failed');
		await this.deps.audit.record({ container: container.name, action: 'rollback-failed', from: container.to, to: container.from, detail: problems.join('; ') });
		const { state, commands } = await this.handOver(container);
		this.emit({ type: 'rollback-done', container: container.name, ok: false, detail: problems.join('; ') });
		const summary = this.summary(container, 'rollback-failed', { reason: `${reason}; rollback incomplete: ${problems.join('; ')}`, state, commands, backup, restored });
		this.emit({ type: 'container-done', summary });
		return summary;
	}

	/** What is on the engine now and what to type to finish by hand (exit 3). */
	private async handOver(container: ContainerPlan): Promise<{ state: string[]; commands: string[] }> {
		const { docker, journal } = this.deps;
		const entry = journal.container(container.key);
		const state: string[] = [];
		const describe = async (label: string, idOrName: string | undefined) => {
			if (!idOrName) return;
			const found = await containerState(docker, idOrName).catch(() => undefined);
			state.push(
				found
					? `${label}: ${found.name} (${found.id.slice(0, 12)}) image ${found.image}, ${found.status}`
					: `${label}: ${idOrName.slice(0, 12)} does not exist`,
			);
		};
		await describe('old container', entry.oldId);
		await describe('new container', entry.newId);
		const commands = entry.actions
			.filter((action) => action.status !== 'undone')
			.reverse()
			.map((action) => action.undo)
			.filter((command) => command.startsWith('docker '));
		const failedRestore = this.deps.journal.doc.restores?.find((record) => record.status !== 'done');
		if (failedRestore) {
			// The connection comes from the operator's own environment: no password is printed.
			commands.unshift(`pg_restore --clean --if-exists --single-transaction --no-owner -d <database> ${failedRestore.backup}   # then compare row counts with the journal's backups[]`);
		}
		commands.push(`docker start ${entry.oldId.slice(0, 12)}`);
		return { state, commands: [...new Set(commands)] };
	}

	private summary(container: ContainerPlan, result: ContainerSummary['result'], extra: Partial<ContainerSummary> = {}): ContainerSummary {
		const timing = this.timings.get(container.name);
		const entry = this.deps.journal.doc.containers[container.key];
		const summary: ContainerSummary = {
			container: container.name,
			from: timing?.originalFrom ?? container.from,
			to: timing?.finalTo ?? container.to,
			result,
			oldContainerId: container.id,
			newContainerId: result === 'upgraded' ? entry?.newId : undefined,
			...extra,
		};
		if (timing) {
			summary.pullMs = timing.pullMs;
			summary.totalMs = Date.now() - timing.startedAt;
			if (timing.downtimeMs > 0) summary.downtimeMs = timing.downtimeMs;
		}
		return summary;
	}

	/** The container answers again: close the downtime window its last stop opened. */
	private downtimeEnded(name: string): void {
		const timing = this.timings.get(name);
		if (!timing?.stopIssuedAt) return;
		timing.downtimeMs += Date.now() - timing.stopIssuedAt;
		timing.stopIssuedAt = undefined;
	}

	private async finish(exitCode: number, containers: ContainerSummary[], status: 'done' | 'rolled-back' | 'rollback-failed'): Promise<RunSummary> {
		await this.deps.journal.finish(status);
		const summary: RunSummary = { runId: this.deps.journal.doc.runId, exitCode, containers, journal: this.deps.journal.path };
		this.emit({ type: 'run-done', summary });
		return summary;
	}
}

function describeGate(gate: HealthGate): string {
	const parts: string[] = [];
	if (gate.healthcheck) parts.push('Docker healthcheck');
	if (gate.url) parts.push(`HTTP ${gate.url}`);
	if (parts.length === 0) parts.push(`running ${Math.round(gate.stableMs / 1000)} s without a restart`);
	return `${parts.join(' + ')}, timeout ${Math.round(gate.timeoutMs / 1000)} s`;
}
