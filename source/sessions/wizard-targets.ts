import type { ContainerInspectInfo } from 'dockerode';
import semver from 'semver';
import { UsageError } from '../core/errors.js';
import type { TargetChoice, TargetRow, UpgradeKind } from '../core/wizard-backend.js';
import type { EngineSelection } from './engine-cluster.js';
import { repositoryOf, tagOf } from '../docker/discovery.js';
import { EngineLookups } from '../docker/engine-lookups.js';
import { RegistryClient } from '../registry/client.js';
import { parseVersionTag, selectVersions } from '../versions/parse.js';
import { majorOfTag, postgresMajorOf } from '../targets/postgres-server/major.js';
import { postgresMajorRows } from '../targets/postgres-server/major-targets.js';
import { planUpgradePath } from '../versions/path.js';
import { profileFor } from '../profiles/profile.js';
import { currentVersion } from './upgrade-path.js';
import type { WizardSessionOptions } from './wizard-session.js';
import { labelFor, repeatedNames } from '../core/cluster-names.js';

// The Version screen's rows for the chosen containers: the registry's tags
// against the running version. Loaded by import() when the screen opens, so
// the registry client and the path planner are not parsed before the first frame.

function upgradeKind(from: string, to: string): UpgradeKind {
	const cmp = semver.compare(to, from);
	if (cmp === 0) return 'same';
	if (cmp < 0) return 'downgrade';
	if (semver.major(to) !== semver.major(from)) return 'major';
	if (semver.minor(to) !== semver.minor(from)) return 'minor';
	return 'patch';
}

interface Member {
	name: string;
	/** As the run will name it: with its engine when the name repeats on another. */
	shown: string;
	lookups: EngineLookups;
	docker: EngineSelection['engine']['docker'];
}

export async function targetChoice(groups: EngineSelection[], options: WizardSessionOptions, env: NodeJS.ProcessEnv): Promise<TargetChoice> {
	// One name may be on several engines: each member is its engine's container, named as the run names it.
	const repeated = repeatedNames(groups.flatMap(({ engine, names }) => names.map((name) => ({ name, engine: engine.name }))));
	const members: Member[] = [];
	// 300 ticked containers are 300 inspects: asked together (bounded), each image once, on each one's engine.
	for (const { engine, names } of groups) {
		const lookups = new EngineLookups(engine.docker);
		lookups.warm(names);
		for (const name of names) members.push({ name, shown: labelFor(name, engine.name, repeated), lookups, docker: engine.docker });
	}
	if (members.length === 0) throw new UsageError('no container selected');
	const inspect = async ({ lookups, docker, name }: Member): Promise<ContainerInspectInfo> => (await lookups.container(name)) ?? docker.getContainer(name).inspect();
	const imageOf = (member: Member, id: string) => member.lookups.image(id);
	const lead = members[0]!;
	const info = await inspect(lead);
	const image = await imageOf(lead, info.Image);
	const repository = repositoryOf(info.Config.Image);
	const client = new RegistryClient({ env });
	const tags = await client.listTags(repository);
	const runningTag = tagOf(info.Config.Image);
	const variant = runningTag ? (parseVersionTag(runningTag)?.variant ?? '') : '';
	const majorRows = postgresMajorRows(info.Config.Env, runningTag, tags);
	const runningMajor = majorRows ? postgresMajorOf(info.Config.Env) : undefined;
	// A PostgreSQL server: the semver walk stays within its major, other majors are the procedure's rows.
	const offered = selectVersions(tags, { pre: true, include: options.request.filters.include, exclude: options.request.filters.exclude, variant }).filter(
		(entry) => runningMajor === undefined || majorOfTag(entry.tag) === runningMajor,
	);
	const profile = profileFor(info, image, options.request.profiles);
	const found = await currentVersion(client, info, image, profile, offered.map((entry) => entry.tag));
	if (!found && majorRows && runningTag) return { repository, current: runningTag, rows: majorRows, proposed: options.to ?? majorRows.find((row) => !row.disabledReason)?.tag };
	const current = found;
	if (!current) throw new UsageError(`cannot tell which version ${info.Config.Image} is (no version tag, label or matching digest)`);
	// One "now" for the screen only when they all run it: the plan would refuse anyway.
	for (const other of members.slice(1)) {
		const otherInfo = await inspect(other);
		if (otherInfo.Config.Image === info.Config.Image) continue;
		const otherImage = await imageOf(other, otherInfo.Image);
		const otherCurrent = await currentVersion(client, otherInfo, otherImage, profileFor(otherInfo, otherImage, options.request.profiles), offered.map((entry) => entry.tag));
		if (otherCurrent !== current) {
			throw new UsageError(`the selected containers run different versions (${lead.shown}: ${current}, ${other.shown}: ${otherCurrent ?? otherInfo.Config.Image}); upgrade them separately`);
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
		options.to ?? planUpgradePath({ current, available, pre: false, walk: profile.upgrade.walk }).hops.at(-1)?.tag ?? majorRows?.find((row) => !row.disabledReason)?.tag;
	if (!majorRows) return { repository, current, rows, proposed };
	// Newer majors above the versions within the running one, older majors below.
	const newer = majorRows.filter((row) => row.kind === 'major');
	return { repository, current, rows: [...newer, ...rows, ...majorRows.filter((row) => row.kind !== 'major')], proposed };
}
