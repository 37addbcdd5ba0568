import { fileStamp, shortId } from '../../text/format.js';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { PullProgress, StepName } from '../../core/events.js';
import type { Plan } from '../../core/plan/plan.js';
import type { UnitRecord, UnitRecordInput } from '../../core/journal/journal.js';
import { type HandOver, type HealthVerdict, type Transition, type Undo, type UndoContext, type UndoPhase, type UnitDriver } from '../../core/ports.js';
import { pullImage, type RegistryAuth } from '../../docker/pull.js';
import { tagOf } from '../../docker/discovery.js';
import { withoutEnvValues } from '../container/record.js';
import { composeEnv } from './cli.js';
import { runCompose } from './run-compose.js';
import { editFilesTransition } from './edit-step.js';
import { gateService, restoreNames } from './health.js';
import { serviceStateNow, verifyServiceBack } from './back.js';
import { handCommand, phaseOfUndo, undoLabel, undoOnce, upTimeoutMs, type ComposeUndo } from './undo.js';
import { composeOneOffTransition } from './one-off.js';
import { postChecksTransition, type CheckedContainer } from '../post-checks.js';
import { describeService } from './describe.js';
import { composeSteps, type ComposeRecord, type ComposeUnit } from './unit.js';

// A Compose service, upgraded through Compose the way its docs say, with a
// way back at every step: edit the tag (files copied first) -> stop the
// service -> [--migrate-first: `compose run --rm` of the migration] ->
// `up -d --no-deps SERVICE` -> health gate -> [the profile's post-upgrade
// checks, shared with plain containers in ../post-checks.ts]. Compose removes the old
// containers itself when it recreates; the way back is the files' copies and
// the old image, which stays on the engine. Every transition's undo is
// journaled before it runs; the undos are in undo.ts.

export interface ComposeDriverOptions {
	docker: Docker;
	env: NodeJS.ProcessEnv;
	authFor: (ref: string) => Promise<RegistryAuth | undefined>;
	/** Where copies of the edited files go (the run's backup dir). */
	backupDir: string;
	replan: (unit: ComposeUnit, targetRef: string) => Promise<ComposeUnit>;
}

const asCompose = (record: UnitRecord) => record as ComposeRecord;


export class ComposeDriver implements UnitDriver<ComposeUnit> {
	readonly kind = 'compose';

	/** Hops (target refs) whose one-off migration ran: in a cluster it runs once, before the first service's `up`. */
	private readonly migrated = new Set<string>();

	/** Each unit's copy dir, fixed (and journaled) when its hop starts. */
	private readonly copyDirs = new Map<string, string>();

	constructor(private readonly options: ComposeDriverOptions) {}

	private copyDirOf(unit: ComposeUnit): string {
		const dir = this.copyDirs.get(unit.key);
		if (!dir) throw new Error(`no journal record for ${unit.key} yet`);
		return dir;
	}

	private get docker(): Docker {
		return this.options.docker;
	}

	record(unit: ComposeUnit, hop: string): UnitRecordInput {
		const from = tagOf(unit.from) ?? 'latest';
		const copyDir = join(this.options.backupDir, 'compose', `${unit.project.name}-${unit.service}-${from}-to-${hop}-${fileStamp()}`.replace(/[^A-Za-z0-9._-]/g, '_'));
		this.copyDirs.set(unit.key, copyDir);
		return {
			kind: this.kind,
			key: unit.key,
			name: unit.name,
			hop,
			// The service as a whole is held: another run must not upgrade a replica of it meanwhile.
			holds: [...unit.containers.map((container) => container.name), `compose:${unit.project.name}/${unit.service}`],
			from: unit.from,
			to: unit.to,
			targetRef: unit.targetRef,
			project: unit.project,
			service: unit.service,
			cli: unit.cli,
			containers: unit.containers,
			oldImageId: unit.oldImageId,
			stopTimeoutS: unit.stopTimeoutS,
			strip: unit.strip,
			health: unit.health,
			composeDown: unit.composeDown,
			copyDir,
			inspect: { container: withoutEnvValues(unit.inspect), image: withoutEnvValues(unit.oldImage) },
		};
	}

	async prepare(unit: ComposeUnit, ctx: Parameters<UnitDriver['prepare']>[1]): Promise<PullProgress> {
		// Pulled by the wizard, not by `compose pull`: the same registry auth, retries and progress as a container.
		const auth = await this.options.authFor(unit.targetRef);
		return pullImage(this.docker, unit.targetRef, { auth, onProgress: ctx.onProgress, onRetry: ctx.onWarning, signal: ctx.signal });
	}

	private compose(unit: Pick<ComposeUnit, 'cli' | 'project' | 'strip' | 'stopTimeoutS'>, command: Parameters<typeof runCompose>[2], signal?: AbortSignal) {
		return runCompose(unit.cli, unit.project, command, { env: composeEnv(this.options.env, unit.strip), signal, timeoutMs: upTimeoutMs(unit) });
	}

	stop(unit: ComposeUnit, why: string): Transition {
		const names = unit.containers.map((container) => container.name).join(', ');
		return {
			kind: 'stop-old',
			step: 'stop',
			intent: `stop service ${unit.service} (${names}) with a ${unit.stopTimeoutS} s timeout${why ? ` for ${why}` : ''}`,
			undo: { kind: 'compose-up', service: unit.service },
			downtime: 'opens',
			run: async (ctx) => {
				await this.compose(unit, { op: 'stop', services: [unit.service], timeoutS: unit.stopTimeoutS }, ctx.signal);
			},
		};
	}

	/** --compose-down, as the Anchore guide does it: the whole project stops (`stop`, never `down`: nothing is removed). */
	private stopProject(unit: ComposeUnit): Transition {
		return {
			kind: 'stop-project',
			step: 'stop',
			intent: `stop every service of project ${unit.project.name} with a ${unit.stopTimeoutS} s timeout (--compose-down)`,
			undo: { kind: 'compose-up-project' },
			downtime: 'opens',
			run: async (ctx) => {
				await this.compose(unit, { op: 'stop', services: [], timeoutS: unit.stopTimeoutS }, ctx.signal);
			},
		};
	}

	swap(unit: ComposeUnit): Transition[] {
		const tag = tagOf(unit.targetRef)!;
		const env = this.options.env;
		// In a cluster the one-off runs once per hop, before the first service's `up`.
		const migrate = unit.migrateFirst && !this.migrated.has(unit.targetRef) ? unit.migrateFirst : undefined;
		if (migrate) this.migrated.add(unit.targetRef);
		const checks = unit.profile.checks;
		let gate: { detail: string; containers: CheckedContainer[] } = { detail: '', containers: [] };
		return [
			editFilesTransition(unit, tag, this.copyDirOf(unit), env),
			unit.composeDown ? this.stopProject(unit) : this.stop(unit, ''),
			...(migrate ? [composeOneOffTransition(this.docker, unit, migrate, env)] : []),
			{
				kind: 'compose-up',
				step: 'start',
				intent: unit.composeDown
					? `up -d: Compose recreates ${unit.service} from ${unit.targetRef} and starts the rest of project ${unit.project.name} again`
					: `up -d --no-deps ${unit.service}: Compose recreates it from ${unit.targetRef}`,
				undo: { kind: 'compose-stop', service: unit.service },
				startsTarget: true,
				run: async (ctx) => {
					await this.compose(unit, unit.composeDown ? { op: 'up', services: [], noDeps: false } : { op: 'up', services: [unit.service], noDeps: true }, ctx.signal);
				},
			},
			{
				kind: 'healthy',
				step: 'health',
				intent: `wait until the new ${unit.service} is healthy`,
				announce: null,
				undo: { kind: 'none', why: 'a health gate changes nothing' },
				downtime: 'closes',
				run: async (ctx) => (gate = await gateService(this.docker, unit, env, ctx)).detail,
			},
			...(checks ? [postChecksTransition(this.docker, unit, checks, () => ({ containers: gate.containers, health: gate.detail }))] : []),
		];
	}

	commit(record: UnitRecord): Transition {
		const entry = asCompose(record);
		return {
			kind: 'commit',
			step: 'remove-old',
			intent: `keep the copies of the files in ${entry.copyDir}; Compose removed the old containers itself`,
			announce: `nothing to remove for ${entry.service}`,
			undo: { kind: 'none', why: 'the upgrade is done; the copies and the old image stay' },
			run: async () => `copies kept in ${entry.copyDir}; the old image ${shortId(entry.oldImageId)} stays local`,
		};
	}

	replan(unit: ComposeUnit, targetRef: string): Promise<ComposeUnit> {
		return this.options.replan(unit, targetRef);
	}

	kept(): string | undefined {
		return undefined;
	}

	steps(unit: ComposeUnit): StepName[] {
		return composeSteps(Boolean(unit.migrateFirst), Boolean(unit.profile.checks));
	}

	describe(unit: ComposeUnit, plan: Plan<ComposeUnit>): string[] {
		return describeService(unit, plan);
	}

	phaseOf(undo: Undo): UndoPhase {
		return phaseOfUndo(undo);
	}

	label(record: UnitRecord, undo: Undo): string {
		return undoLabel(asCompose(record), undo);
	}

	async undo(record: UnitRecord, undo: Undo): Promise<void> {
		await undoOnce(this.docker, asCompose(record), undo, this.options.env);
		const kind = (undo as ComposeUndo).kind;
		if (kind === 'compose-up' || kind === 'compose-up-project') await restoreNames(this.docker, asCompose(record));
	}

	command(record: UnitRecord, undo: Undo): string | undefined {
		return handCommand(asCompose(record), undo, this.options.env);
	}

	verifyBack(record: UnitRecord, ctx: UndoContext): Promise<HealthVerdict & { back?: string }> {
		return verifyServiceBack(this.docker, this.options.env, asCompose(record), ctx);
	}

	async handOver(record: UnitRecord): Promise<HandOver> {
		const entry = asCompose(record);
		const commands = entry.actions
			.filter((action) => action.status !== 'undone')
			.sort((a, b) => b.seq - a.seq)
			.map((action) => this.command(record, action.undo))
			.filter((command): command is string => Boolean(command));
		const up = this.command(record, entry.composeDown ? { kind: 'compose-up-project' } : { kind: 'compose-up', service: entry.service });
		if (up) commands.push(up);
		return { state: await this.stateNow(record), commands: [...new Set(commands)] };
	}

	stateNow(record: UnitRecord): Promise<string[]> {
		return serviceStateNow(this.docker, asCompose(record));
	}
}
