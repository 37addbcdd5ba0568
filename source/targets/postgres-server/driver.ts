import type Docker from 'dockerode';
import type { Gate, PullProgress, StepName } from '../../core/events.js';
import type { Plan } from '../../core/plan/plan.js';
import type { UnitRecord, UnitRecordInput } from '../../core/journal/journal.js';
import { type HandOver, type HealthVerdict, type Transition, type Undo, type UndoContext, type UndoPhase, type UnitDriver } from '../../core/ports.js';
import { oldContainerHealth } from '../../core/plan/health.js';
import type { HealthOptions } from '../../core/plan/plan.js';
import { pullImage, type RegistryAuth } from '../../docker/pull.js';
import { waitHealthy } from '../../docker/health.js';
import { containerState, stopContainer } from '../../docker/swap.js';
import { shortId } from '../../text/format.js';
import { gateFor } from '../container/health-gate.js';
import { handOverCommands, parkedContainerFields } from '../container/record.js';
import { describeServer, serverBackupGate } from './describe.js';
import { serverTransitions } from './transitions.js';
import { undoCommand, undoLabel, undoOnce, type ServerUndo } from './undo.js';
import type { Dependent, PostgresServerUnit } from './unit.js';

// A PostgreSQL server moved to a new major (issue 11): the transitions are in
// transitions.ts, the undos in undo.ts; this is the driver the executor,
// rollback and recover talk to.

export interface ServerDriverOptions {
	docker: Docker;
	authFor: (ref: string) => Promise<RegistryAuth | undefined>;
}

type DependentRecord = Omit<Dependent, 'login'> & { login?: { user: string; database: string } };

export interface ServerRecord extends UnitRecord {
	oldId: string;
	parkedName: string;
	tempName: string;
	health: HealthOptions;
	dependents: DependentRecord[];
	data: PostgresServerUnit['data'];
	newId?: string;
	tempId?: string;
	dataMoved?: string;
}

export class PostgresServerDriver implements UnitDriver<PostgresServerUnit> {
	readonly kind = 'postgres-server';

	constructor(private readonly options: ServerDriverOptions) {}

	private get docker(): Docker {
		return this.options.docker;
	}

	record(unit: PostgresServerUnit, hop: string): UnitRecordInput {
		return {
			...parkedContainerFields(unit, this.kind, hop),
			holds: [unit.name, unit.parkedName, unit.tempName, ...unit.dependents.map((dependent) => dependent.name)],
			tempName: unit.tempName,
			fromMajor: unit.fromMajor,
			toMajor: unit.toMajor,
			data: unit.data,
			// Never a password: recover needs only who to stop and start, and how to judge them.
			dependents: unit.dependents.map(({ login, ...rest }): DependentRecord => ({ ...rest, ...(login ? { login: { user: login.user, database: login.database } } : {}) })),
		};
	}

	async prepare(unit: PostgresServerUnit, ctx: Parameters<UnitDriver['prepare']>[1]): Promise<PullProgress> {
		if (unit.localImage) {
			// Planned without the registry: the image on the engine is the target; prove it is still there.
			await this.docker.getImage(unit.targetRef).inspect();
			return { current: 0, total: 0, layersDone: 0, layersKnown: 0 };
		}
		const auth = await this.options.authFor(unit.targetRef);
		return pullImage(this.docker, unit.targetRef, { auth, onProgress: ctx.onProgress, onRetry: ctx.onWarning, signal: ctx.signal });
	}

	swap(unit: PostgresServerUnit): Transition[] {
		return serverTransitions(this.docker, unit);
	}

	stop(unit: PostgresServerUnit, why: string): Transition {
		return {
			kind: 'stop-old',
			step: 'stop',
			intent: `stop ${unit.name} (${shortId(unit.id)}) for ${why}`,
			undo: { kind: 'start-container', containerId: unit.id, name: unit.name },
			downtime: 'opens',
			run: () => stopContainer(this.docker, unit.id, unit.stopTimeoutS),
		};
	}

	commit(record: UnitRecord): Transition {
		const entry = record as ServerRecord;
		// The old server and its volume are the way back; the operator removes them once sure.
		return {
			kind: 'keep-old',
			step: 'remove-old',
			intent: `keep ${entry.parkedName} and the volume ${entry.data.oldVolume}`,
			undo: { kind: 'none', why: 'nothing is removed' },
			run: async () => undefined,
		};
	}

	async replan(unit: PostgresServerUnit): Promise<PostgresServerUnit> {
		// A major upgrade is one hop: dump and restore go straight to the target major.
		return unit;
	}

	kept(unit: PostgresServerUnit): string {
		return `${unit.parkedName} (stopped, PostgreSQL ${unit.fromMajor}) and the volume ${unit.data.oldVolume}`;
	}

	keptRemoval(unit: PostgresServerUnit): string[] {
		return [`docker rm ${unit.parkedName}`, `docker volume rm ${unit.data.oldVolume}`];
	}

	backupGate(unit: PostgresServerUnit): Gate {
		return serverBackupGate(unit);
	}

	steps(unit: PostgresServerUnit): StepName[] {
		return unit.steps;
	}

	describe(unit: PostgresServerUnit, plan: Plan<PostgresServerUnit>): string[] {
		return describeServer(unit, plan);
	}

	phaseOf(undo: Undo): UndoPhase {
		const kind = (undo as ServerUndo).kind;
		if (kind === 'start-container') return 'revive';
		if (kind === 'none') return 'none';
		return 'detach';
	}

	label(record: UnitRecord, undo: Undo): string {
		return undoLabel(record, undo);
	}

	async undo(record: UnitRecord, undo: Undo, ctx: UndoContext): Promise<void> {
		await undoOnce(this.docker, record, undo, ctx);
	}

	command(record: UnitRecord, undo: Undo): string | undefined {
		return undoCommand(record, undo);
	}

	async verifyBack(record: UnitRecord, ctx: UndoContext): Promise<HealthVerdict & { back?: string }> {
		const entry = record as ServerRecord;
		const judge = async (id: string, name: string, health: HealthOptions, what: string) => {
			const gate = await gateFor(this.docker, oldContainerHealth(health), id);
			return waitHealthy(this.docker, id, gate, {
				onStatus: (status, detail) => ctx.emit({ type: 'health', container: entry.name, status, detail: `${what}: ${detail ?? status}` }),
			}).then((result) => ({ ...result, name }));
		};
		const server = await judge(entry.oldId, entry.name, entry.health, 'old server');
		if (!server.ok) return { ok: false, reason: `the old ${entry.name} is back but not healthy: ${server.reason}` };
		// Only the dependents this run stopped are judged (a rollback before the stop left the others alone).
		const stopped = new Set(entry.actions.filter((action) => action.kind === 'stop-app').map((action) => (action.undo as { containerId?: string }).containerId));
		for (const dependent of entry.dependents.filter((each) => stopped.has(each.id))) {
			const result = await judge(dependent.id, dependent.name, dependent.health, dependent.name);
			if (!result.ok) return { ok: false, reason: `${dependent.name} is started again but not healthy: ${result.reason}` };
		}
		return { ok: true, detail: server.detail, back: `old server ${shortId(entry.oldId)} is back as ${entry.name} on the untouched volume ${entry.data.oldVolume}` };
	}

	async handOver(record: UnitRecord): Promise<HandOver> {
		return { state: await this.stateNow(record), commands: await handOverCommands(this.docker, record as ServerRecord, (undo) => this.command(record, undo)) };
	}

	async stateNow(record: UnitRecord): Promise<string[]> {
		const entry = record as ServerRecord;
		const lines: string[] = [];
		const newId = entry.newId;
		for (const [label, idOrName] of [['old server', entry.oldId], ['temporary server', entry.tempId], ['new server', newId]] as const) {
			if (!idOrName) continue;
			const found = await containerState(this.docker, idOrName).catch(() => undefined);
			lines.push(found ? `${label}: ${found.name} (${shortId(found.id)}) image ${found.image}, ${found.status}` : `${label}: ${shortId(idOrName)} does not exist`);
		}
		for (const dependent of entry.dependents) {
			const found = await containerState(this.docker, dependent.id).catch(() => undefined);
			lines.push(found ? `dependent: ${found.name} (${shortId(found.id)}), ${found.status}` : `dependent: ${dependent.name} (${shortId(dependent.id)}) does not exist`);
		}
		for (const volume of [entry.data.oldVolume, entry.data.newVolume]) {
			const there = await this.docker.getVolume(volume).inspect().then(() => true, () => false);
			lines.push(`volume ${volume}${volume === entry.data.oldVolume ? ' (old data)' : ' (new data)'}: ${there ? 'exists' : 'does not exist'}`);
		}
		return lines;
	}
}
