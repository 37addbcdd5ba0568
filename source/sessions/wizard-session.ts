import type { ContainerInspectInfo } from 'dockerode';
import semver from 'semver';
import { UsageError } from '../core/errors.js';
import { describeInterrupted, recoverRuns } from './recover-session.js';
import type { ContainerRow, DatabaseOverrides, InterruptedRunRow, EngineInfo, PlanPreview, TargetChoice, TargetRow, UpgradeKind, WizardBackend } from '../core/wizard-backend.js';
import { describePlan } from '../core/plan/describe.js';
import { editDiff } from '../targets/compose/describe.js';
import { LABEL } from '../targets/compose/labels.js';
import { describeUnit, executeUpgrade, planFor, type UpgradeRequest } from './upgrade-session.js';
import { Redactor } from '../text/redact.js';
import { connectEngine, type Engine } from '../docker/engine.js';
import { containerName, isRunLock, repositoryOf, sameRepository, tagOf, type Selection } from '../docker/discovery.js';
import { RegistryClient } from '../registry/client.js';
import { parseVersionTag, selectVersions } from '../versions/parse.js';
import { majorOfTag, postgresMajorOf } from '../targets/postgres-server/major.js';
import { postgresMajorRows } from '../targets/postgres-server/major-targets.js';
import { planUpgradePath } from '../versions/path.js';
import { profileFor } from '../profiles/profile.js';
import { describeHealth } from '../core/plan/health.js';
import { currentVersion } from './upgrade-path.js';
import { backupWords, stepWords, stopWords } from './plan-steps.js';

// The interactive wizard's backend: the same discovery, planning and executor
// as --yes, shaped for screens. Views get plain rows and lines, never engine objects.

export interface WizardSessionOptions {
	selection: Selection;
	to?: string;
	request: Omit<UpgradeRequest, 'selection' | 'to' | 'dryRun' | 'unattended'>;
	env?: NodeJS.ProcessEnv;
}

function healthOf(status: string): string | undefined {
	const match = /\((healthy|unhealthy|health: starting)\)/.exec(status);
	return match ? match[1]!.replace('health: ', '') : undefined;
}

function upgradeKind(from: string, to: string): UpgradeKind {
	const cmp = semver.compare(to, from);
	if (cmp === 0) return 'same';
	if (cmp < 0) return 'downgrade';
	if (semver.major(to) !== semver.major(from)) return 'major';
	if (semver.minor(to) !== semver.minor(from)) return 'minor';
	return 'patch';
}

export class WizardSession implements WizardBackend {
	private engine?: Engine;
	private readonly env: NodeJS.ProcessEnv;

	constructor(private readonly options: WizardSessionOptions) {
		this.env = options.env ?? process.env;
	}

	private async docker(): Promise<Engine> {
		this.engine ??= await connectEngine(this.env, this.options.request.engines);
		return this.engine;
	}

	async connect(): Promise<EngineInfo> {
		const engine = await this.docker();
		return { endpoint: engine.endpoint, engineVersion: engine.engineVersion, apiVersion: engine.apiVersion };
	}

	async listContainers(): Promise<ContainerRow[]> {
		const { docker } = await this.docker();
		const { selection } = this.options;
		const labelled = new Set<string>();
		if (selection.labels.length > 0) {
			for (const row of await docker.listContainers({ all: true, filters: { label: selection.labels } })) labelled.add(row.Id);
		}
		const rows = (await docker.listContainers({ all: true })).filter((row) => !isRunLock(row.Labels));
		const out: ContainerRow[] = [];
		for (const row of rows) {
			const name = containerName(row);
			const info = await docker.getContainer(row.Id).inspect().catch(() => undefined);
			const labels = (info?.Config.Labels ?? row.Labels ?? {}) as Record<string, string>;
			const tag = tagOf(row.Image);
			const version = tag && parseVersionTag(tag) ? tag : labels[profileFor(info ?? { Config: { Image: row.Image, Labels: row.Labels }, Command: row.Command }, undefined, this.options.request.profiles).labels.version];
			out.push({
				name,
				id: row.Id,
				image: info?.Config.Image ?? row.Image,
				repository: repositoryOf(info?.Config.Image ?? row.Image),
				version,
				state: row.State,
				health: healthOf(row.Status),
				startedAt: info?.State.Running ? info.State.StartedAt : undefined,
				preselected:
					selection.containers.includes(name) ||
					(selection.image !== undefined && sameRepository(repositoryOf(row.Image), selection.image)) ||
					labelled.has(row.Id),
				...(postgresMajorOf(info?.Config.Env) !== undefined ? { postgresMajor: postgresMajorOf(info?.Config.Env) } : {}),
				...(labels[LABEL.project] ? { compose: { project: labels[LABEL.project], service: labels[LABEL.service] ?? '?' } } : {}),
			});
		}
		return out.sort((a, b) => a.repository.localeCompare(b.repository) || a.name.localeCompare(b.name));
	}

	async targets(containers: string[]): Promise<TargetChoice> {
		const { docker } = await this.docker();
		if (containers.length === 0) throw new UsageError('no container selected');
		const info: ContainerInspectInfo = await docker.getContainer(containers[0]!).inspect();
		const image = await docker.getImage(info.Image).inspect();
		const repository = repositoryOf(info.Config.Image);
		const client = new RegistryClient({ env: this.env });
		const tags = await client.listTags(repository);
		const runningTag = tagOf(info.Config.Image);
		const variant = runningTag ? (parseVersionTag(runningTag)?.variant ?? '') : '';
		const majorRows = postgresMajorRows(info.Config.Env, runningTag, tags);
		const runningMajor = postgresMajorOf(info.Config.Env);
		// A PostgreSQL server: the semver walk stays within its major, other majors are the procedure's rows.
		const offered = selectVersions(tags, { pre: true, include: this.options.request.filters.include, exclude: this.options.request.filters.exclude, variant }).filter(
			(entry) => runningMajor === undefined || majorOfTag(entry.tag) === runningMajor,
		);
		const profile = profileFor(info, image, this.options.request.profiles);
		const found = await currentVersion(client, info, image, profile, offered.map((entry) => entry.tag));
		if (!found && majorRows && runningTag) return { repository, current: runningTag, rows: majorRows, proposed: this.options.to ?? majorRows.find((row) => !row.disabledReason)?.tag };
		const current = found;
		if (!current) throw new UsageError(`cannot tell which version ${info.Config.Image} is (no version tag, label or matching digest)`);
		// One "now" for the screen only when they all run it: the plan would refuse anyway.
		for (const other of containers.slice(1)) {
			const otherInfo: ContainerInspectInfo = await docker.getContainer(other).inspect();
			if (otherInfo.Config.Image === info.Config.Image) continue;
			const otherImage = await docker.getImage(otherInfo.Image).inspect();
			const otherCurrent = await currentVersion(client, otherInfo, otherImage, profileFor(otherInfo, otherImage, this.options.request.profiles), offered.map((entry) => entry.tag));
			if (otherCurrent !== current) {
				throw new UsageError(`the selected containers run different versions (${containers[0]}: ${current}, ${other}: ${otherCurrent ?? otherInfo.Config.Image}); upgrade them separately`);
			}
		}
		// Only an image that declares a schema version is known to migrate; for any other the reason is the order alone.
		const downgradeReason =
			image.Config?.Labels?.[profile.labels.schemaVersion] !== undefined
				? 'downgrade: a release that migrated the schema cannot go back; restore a backup instead'
				: `downgrade: older than the running ${current}; the wizard only upgrades`;
		const currentParsed = parseVersionTag(current)!;
		const available = offered.map((entry) => ({ tag: entry.tag, version: entry.version, revision: entry.revision }));
		const rows: TargetRow[] = offered.map((entry) => {
			const kind = entry.tag === current ? 'same' : upgradeKind(currentParsed.version, entry.version);
			const row: TargetRow = { tag: entry.tag, version: entry.version, kind, prerelease: entry.prerelease, hops: [] };
			if (kind === 'downgrade') row.disabledReason = downgradeReason;
			else if (kind === 'same') row.disabledReason = 'the running version';
			else {
				const path = planUpgradePath({ current, available, target: entry.tag, allowMajor: true, pre: true, walk: profile.upgrade.walk });
				if (path.refused) row.disabledReason = path.refused.reason;
				else row.hops = path.hops.slice(0, -1).map((hop) => hop.tag);
			}
			return row;
		});
		const proposed =
			this.options.to ?? planUpgradePath({ current, available, pre: false, walk: profile.upgrade.walk }).hops.at(-1)?.tag ?? majorRows?.find((row) => !row.disabledReason)?.tag;
		if (!majorRows) return { repository, current, rows, proposed };
		// Newer majors above the versions within the running one, older majors below.
		const newer = majorRows.filter((row) => row.kind === 'major');
		return { repository, current, rows: [...newer, ...rows, ...majorRows.filter((row) => row.kind !== 'major')], proposed };
	}

	/** The request as the flags gave it, with the operator's answer to "no database found" on top. */
	private request(tag: string, overrides: DatabaseOverrides = {}): UpgradeRequest {
		const request: UpgradeRequest = { ...this.options.request, selection: { containers: [], labels: [] }, to: tag, dryRun: false, unattended: false };
		if (overrides.skipBackup) return { ...request, skipBackup: true, skipBackupBy: 'skipped on the no-database screen', db: undefined };
		if (overrides.db !== undefined) {
			// The same rule as --db: a typo'd scheme is refused here, not by pg later.
			if (!/^postgres(ql)?:\/\//.test(overrides.db)) throw new UsageError('the database URL must start with postgres:// or postgresql://');
			return { ...request, db: overrides.db, skipBackup: false };
		}
		return request;
	}

	async preview(containers: string[], tag: string, overrides?: DatabaseOverrides): Promise<PlanPreview> {
		const request = this.request(tag, overrides);
		const engine = await this.docker();
		// A preview touches nothing, as --dry-run: a missing backup dir is reported, not created.
		const plan = await planFor(engine, containers, { ...request, dryRun: true }, this.env, new Redactor());
		const final = `${plan.path.repository}:${plan.hops.at(-1)}`;
		return {
			lines: describePlan(plan, describeUnit),
			warnings: [
				...plan.path.warnings,
				...(plan.path.postgresMajor
					? [`PostgreSQL ${plan.path.postgresMajor.from} -> ${plan.path.postgresMajor.to}: the data moves to a new volume; the old server and volume are kept`]
					: plan.path.majorGate
						? ['major upgrade: expect breaking changes']
						: []),
				...(plan.database?.migratingHops.length ? [`schema migration in ${plan.database.migratingHops.join(', ')}: the backup is the only way back`] : []),
			],
			containers: plan.units.map((container) => ({
				name: container.name,
				from: container.from,
				to: final,
				hops: plan.hops.slice(0, -1),
				steps: stepWords(container, plan, plan.database?.display),
				stops: stopWords(container),
				...(container.kind === 'compose' ? { diff: container.edits.flatMap(editDiff) } : {}),
				profile: `${container.profile.name} (${container.profile.id}, ${container.profile.source})`,
				backup: backupWords(container, plan),
				health: describeHealth(container.health).replace(/^health gate: /, ''),
			})),
		};
	}

	interruptedRuns(): Promise<InterruptedRunRow[]> {
		return this.docker().then((engine) => describeInterrupted(this.env, engine));
	}

	async recover(runId: string, io: Parameters<WizardBackend['recover']>[1]) {
		return recoverRuns({ runId, dryRun: false }, { ...io, env: this.env }, await this.docker());
	}

	async run(containers: string[], tag: string, io: Parameters<WizardBackend['run']>[2], overrides?: DatabaseOverrides) {
		const request = this.request(tag, overrides);
		const engine = await this.docker();
		return executeUpgrade(engine, containers, { ...request, argv: ['(interactive)'] }, { ...io, env: this.env });
	}
}
