import type Docker from 'dockerode';
import type { ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import { NothingToDo, UsageError } from './errors.js';
import type { StepName } from './events.js';
import { containerName, dependentsOf, inspectByName, repositoryOf } from '../docker/discovery.js';
import { buildRecreateSpec, describeSpecDiff, type RecreateSpec } from '../targets/container/recreate-spec.js';
import type { HealthGate } from '../docker/health.js';
import { profileFor, type Profile } from '../profiles/profile.js';
import type { ResolvedPath } from '../sessions/upgrade-path.js';
import { describeDatabase, type DatabasePlan } from './database-plan.js';

// A Plan is everything the executor needs, computed without touching anything:
// which containers, in which order, through which versions (hops), with which
// create options and health gate. `--dry-run` prints it and stops.

export interface PlanOptions {
	healthUrl?: string;
	healthTimeoutS: number;
	stableS: number;
	stopTimeoutS?: number;
	keepOld: boolean;
}

export interface ContainerPlan {
	/** Journal key: one entry per container and hop. */
	key: string;
	name: string;
	parkedName: string;
	id: string;
	from: string;
	to: string;
	targetRef: string;
	oldImageId: string;
	inspect: ContainerInspectInfo;
	oldImage: ImageInspectInfo;
	spec: RecreateSpec;
	specDiff: string[];
	stopTimeoutS: number;
	health: Omit<HealthGate, 'healthcheck'> & { healthcheck: 'auto' | false };
	profile: Profile;
	steps: StepName[];
}

export interface Plan {
	/** The first hop's container plans; later hops are planned from the containers the previous hop left. */
	containers: ContainerPlan[];
	path: ResolvedPath;
	/** Target tags in order; one full, health-gated swap of every container per hop. */
	hops: string[];
	keepOld: boolean;
	options: PlanOptions;
	engine: { endpoint: string; apiVersion: string };
	/** Settled in preflight; undefined with --skip-backup. */
	database?: DatabasePlan;
}

const TAG = /^[\w][\w.-]{0,127}$/;
const SWAP_STEPS: StepName[] = ['pull', 'stop', 'rename', 'create', 'start', 'health', 'remove-old'];

export function validateTag(tag: string): void {
	if (!TAG.test(tag)) {
		throw new UsageError(`malformed tag "${tag}": a tag is letters, digits, '_', '.', '-' (at most 128, not starting with '.' or '-')`);
	}
}

function refuseIf(condition: unknown, message: string): void {
	if (condition) throw new UsageError(message);
}

/** Everything that makes a container unfit for a blind swap, checked before anything is touched. */
export async function preflightContainer(docker: Docker, name: string, selected: string[]): Promise<{ info: ContainerInspectInfo; oldImage: ImageInspectInfo }> {
	const found = await inspectByName(docker, name);
	refuseIf(!found, `no container named ${name} on this engine`);
	const info = found as ContainerInspectInfo;
	refuseIf(!info.State.Running, `container ${name} is not running (${info.State.Status}); start it or leave it out`);
	const labels = info.Config.Labels ?? {};
	refuseIf(
		Object.keys(labels).some((key) => key.startsWith('com.docker.compose.')),
		`container ${name} is managed by Docker Compose (project ${labels['com.docker.compose.project'] ?? '?'}); upgrade it through its compose file`,
	);
	refuseIf(
		Object.keys(labels).some((key) => key.startsWith('com.docker.swarm.')),
		`container ${name} is a Swarm task; upgrade its service with docker service update`,
	);
	const ref = info.Config.Image;
	refuseIf(ref.includes('@'), `container ${name} runs an image pinned by digest (${ref}); change the pin instead of swapping the tag`);
	refuseIf(/^(sha256:)?[0-9a-f]{12,64}$/.test(ref), `container ${name} was created from an image ID (${ref}), not a repository:tag`);
	const parkedName = `${name}-old`;
	refuseIf(await inspectByName(docker, parkedName), `a container named ${parkedName} already exists (left by an earlier upgrade?); remove or rename it first`);
	const dependents = (await dependentsOf(docker, info)).filter((dependent) => !selected.includes(dependent));
	refuseIf(
		dependents.length > 0,
		`container ${name} is used by ${dependents.join(', ')} (network namespace or link); select them too or upgrade by hand`,
	);
	const oldImage = await docker.getImage(info.Image).inspect();
	return { info, oldImage };
}

/**
 * The swap of one container onto `targetRef`, from inspect documents taken now
 * (before any pull: the old image is inspected by ID, so its defaults are the
 * ones the container was created with).
 */
export function planContainer(
	engine: { apiVersion: string },
	info: ContainerInspectInfo,
	oldImage: ImageInspectInfo,
	targetRef: string,
	options: PlanOptions,
	resolveContainerName?: (id: string) => string | undefined,
): ContainerPlan {
	const name = containerName(info);
	const spec = buildRecreateSpec({ container: info, oldImage, targetImage: targetRef, apiVersion: engine.apiVersion, resolveContainerName });
	const ownStopTimeout = (info.Config as { StopTimeout?: number }).StopTimeout;
	return {
		key: `${name}@${targetRef.slice(targetRef.lastIndexOf(':') + 1)}`,
		name,
		parkedName: `${name}-old`,
		id: info.Id,
		from: info.Config.Image,
		to: targetRef,
		targetRef,
		oldImageId: info.Image,
		inspect: info,
		oldImage,
		spec,
		specDiff: describeSpecDiff(info, spec),
		stopTimeoutS: options.stopTimeoutS ?? ownStopTimeout ?? 10,
		health: {
			healthcheck: 'auto',
			url: options.healthUrl,
			stableMs: options.stableS * 1000,
			timeoutMs: options.healthTimeoutS * 1000,
		},
		profile: profileFor(oldImage.Config?.Labels ?? info.Config.Labels),
		steps: [...SWAP_STEPS],
	};
}

export async function containerNameResolver(docker: Docker): Promise<(id: string) => string | undefined> {
	const rows = await docker.listContainers({ all: true });
	const names = new Map(rows.map((row) => [row.Id, containerName(row)]));
	return (id) => names.get(id) ?? [...names.entries()].find(([full]) => full.startsWith(id))?.[1];
}

export async function buildPlan(
	docker: Docker,
	engine: { endpoint: string; apiVersion: string },
	names: string[],
	options: PlanOptions,
	resolvePath: (info: ContainerInspectInfo, oldImage: ImageInspectInfo) => Promise<ResolvedPath>,
): Promise<Plan> {
	const checked: Array<{ info: ContainerInspectInfo; oldImage: ImageInspectInfo }> = [];
	for (const name of names) checked.push(await preflightContainer(docker, name, names));

	const repositories = [...new Set(checked.map(({ info }) => repositoryOf(info.Config.Image)))];
	refuseIf(repositories.length > 1, `the selected containers run different repositories (${repositories.join(', ')}); upgrade one repository at a time`);

	const lead = checked[0]!;
	const path = await resolvePath(lead.info, lead.oldImage);
	for (const other of checked.slice(1)) {
		const otherPath = await resolvePath(other.info, other.oldImage);
		refuseIf(
			otherPath.current !== path.current,
			`the selected containers run different versions (${containerName(lead.info)}: ${path.current}, ${containerName(other.info)}: ${otherPath.current}); upgrade them separately`,
		);
	}
	if (path.hops.length === 0) {
		throw new NothingToDo(
			`${names.join(', ')} already run${names.length === 1 ? 's' : ''} ${path.current}, the newest version on offer${path.newerMajor ? `; ${path.newerMajor.tag} is a major upgrade: name it with --to` : ''}`,
		);
	}

	const resolver = await containerNameResolver(docker);
	const firstRef = `${path.repository}:${path.hops[0]!.tag}`;
	return {
		containers: checked.map(({ info, oldImage }) => planContainer(engine, info, oldImage, firstRef, options, resolver)),
		path,
		hops: path.hops.map((hop) => hop.tag),
		keepOld: options.keepOld,
		options,
		engine,
	};
}

/** The plan in lines an operator can read (also what --dry-run prints). */
export function describePlan(plan: Plan): string[] {
	const lines: string[] = [];
	const { path } = plan;
	lines.push(`Engine ${plan.engine.endpoint} (API ${plan.engine.apiVersion})`);
	const route = [path.current, ...path.hops.map((hop) => `${hop.tag} (${hop.kind})`)].join(' -> ');
	lines.push(`Versions: ${route}${path.hops.length > 1 ? `: ${path.hops.length} hops, each a full health-gated swap of every container` : ''}`);
	if (path.majorGate) lines.push('Major upgrade: needs an explicit acknowledgement; read the release notes first');
	for (const note of path.releaseNotes) lines.push(`Release notes ${note.tag}: ${note.url}`);
	if (path.newerMajor) lines.push(`Also available: ${path.newerMajor.tag} (a major upgrade; name it with --to to go there)`);
	for (const warning of path.warnings) lines.push(`Warning: ${warning}`);
	lines.push(...describeDatabase(plan.database, plan.containers.length));
	lines.push(`Pull before anything stops: ${plan.containers[0]?.targetRef}${plan.hops.length > 1 ? ' (each later hop pulls its image before its first stop)' : ''}`);
	plan.containers.forEach((container, index) => {
		lines.push(`${index + 1}. ${container.name}: ${container.from} -> ${path.repository}:${plan.hops[plan.hops.length - 1]}`);
		lines.push(`   stop ${container.name} (timeout ${container.stopTimeoutS} s), rename it ${container.parkedName}, create and start the new ${container.name}`);
		const gate = [
			"the new image's Docker healthcheck if it has one",
			container.health.url ? `HTTP 200 from ${container.health.url}` : undefined,
			`else running ${container.health.stableMs / 1000} s without a restart`,
		].filter(Boolean);
		lines.push(`   health gate: ${gate.join('; ')} (timeout ${container.health.timeoutMs / 1000} s)`);
		lines.push(
			plan.keepOld
				? `   then keep ${container.parkedName}`
				: `   then remove ${container.parkedName}${plan.containers.length > 1 ? ' once every container of the hop is healthy' : ''}`,
		);
		lines.push('   on failure: remove the new container, rename the old one back, start it');
		for (const diff of container.specDiff) lines.push(`   ~ ${diff}`);
	});
	return lines;
}
