import type { ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import { UsageError, refuseIf } from '../../core/errors.js';
import type { StepName } from '../../core/events.js';
import type { HealthOptions, Plan, PlanOptions, Unit } from '../../core/plan/plan.js';
import { containerName, repositoryOf } from '../../docker/discovery.js';
import type { EngineLookups } from '../../docker/engine-lookups.js';
import { buildRecreateSpec, describeSpecDiff, type RecreateSpec } from './recreate-spec.js';
import { profileFor, type Profile } from '../../profiles/profile.js';
import { healthOptionsFor } from '../../core/plan/health.js';
import type { ResolvedPath } from '../../sessions/upgrade-path.js';
import { clusterPath } from '../cluster-path.js';
import { oneOffFor, type OneOffCommand } from '../one-off-command.js';

// A container unit: everything its swap needs, computed without touching
// anything, from inspect documents taken before any pull.

export interface ContainerPlan extends Unit {
	kind: 'container';
	parkedName: string;
	id: string;
	oldImageId: string;
	inspect: ContainerInspectInfo;
	oldImage: ImageInspectInfo;
	spec: RecreateSpec;
	specDiff: string[];
	stopTimeoutS: number;
	/** The target is an image already on the engine, used as it is (the registry did not answer). */
	localImage?: boolean;
	health: HealthOptions;
	profile: Profile;
	steps: StepName[];
	/** --migrate-first (or a profile that asks for it): the one-off run before the new container starts. */
	migrateFirst?: OneOffCommand;
}

const SWAP_STEPS: StepName[] = ['pull', 'stop', 'rename', 'create', 'start', 'health', 'remove-old'];

/** The swap's steps, with the one-off before the create and the post-upgrade checks after the gate when they run. */
function stepsOf(migrateFirst: boolean, checks: boolean): StepName[] {
	return SWAP_STEPS.flatMap((step): StepName[] => {
		if (step === 'create' && migrateFirst) return ['migrate', step];
		if (step === 'health' && checks) return [step, 'checks'];
		return [step];
	});
}


/**
 * Everything that makes a container unfit for a blind swap, checked before anything is touched.
 * `engine` answers from one listing and one inspect per container and image for the whole plan.
 */
export async function preflightContainer(
	engine: EngineLookups,
	name: string,
	selected: string[],
	/** Which run parked a container under this name, in words (the journal knows). */
	explainParked: (parkedName: string) => Promise<string | undefined> = async () => undefined,
): Promise<{ info: ContainerInspectInfo; oldImage: ImageInspectInfo }> {
	const found = await engine.container(name);
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
	refuseIf(
		info.HostConfig?.AutoRemove,
		`container ${name} runs with --rm (AutoRemove): stopping it deletes it, so a failed upgrade would have nothing to go back to; recreate it without --rm first (docker update cannot change it)`,
	);
	const ref = info.Config.Image;
	refuseIf(ref.includes('@'), `container ${name} runs an image pinned by digest (${ref}); change the pin instead of swapping the tag`);
	refuseIf(/^(sha256:)?[0-9a-f]{12,64}$/.test(ref), `container ${name} was created from an image ID (${ref}), not a repository:tag`);
	const parkedName = `${name}-old`;
	if (await engine.hasContainer(parkedName)) {
		// It may be the only good copy of the previous version: never advise removing it.
		const parkedBy = await explainParked(parkedName);
		throw new UsageError(
			`a container named ${parkedName} already exists (${parkedBy ?? 'not parked by any run in this state dir'}); it may be the only copy of the previous version: check it (docker inspect ${parkedName}) and rename it out of the way before upgrading ${name}`,
		);
	}
	const dependents = (await engine.dependentsOf(info)).filter((dependent) => !selected.includes(dependent));
	if (dependents.length > 0) {
		// Selecting them too only works when they run the same repository; otherwise say what does.
		const repository = repositoryOf(info.Config.Image);
		const others: string[] = [];
		for (const dependent of dependents) {
			const image = (await engine.container(dependent))?.Config.Image;
			if (image && repositoryOf(image) !== repository) others.push(dependent);
		}
		throw new UsageError(
			others.length === 0
				? `container ${name} is used by ${dependents.join(', ')} (network namespace or link); select them too or upgrade by hand`
				: `container ${name} is used by ${dependents.join(', ')} (network namespace or link), and ${others.join(', ')} run${others.length === 1 ? 's' : ''} another image, so they cannot be upgraded together: stop ${others.join(', ')}, upgrade ${name}, then recreate ${others.length === 1 ? 'it' : 'them'} (a joined network namespace or link points at the old container's ID)`,
		);
	}
	const oldImage = await engine.image(info.Image);
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
	const profile = profileFor(info, oldImage, options.profiles);
	const migrateFirst = oneOffFor(name, profile, options);
	const spec = buildRecreateSpec({ container: info, oldImage, targetImage: targetRef, apiVersion: engine.apiVersion, resolveContainerName });
	const ownStopTimeout = (info.Config as { StopTimeout?: number }).StopTimeout;
	return {
		kind: 'container',
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
		health: healthOptionsFor(profile, options),
		profile,
		...(migrateFirst ? { migrateFirst } : {}),
		steps: stepsOf(Boolean(migrateFirst), Boolean(profile.checks)),
	};
}

export async function containerNameResolver(engine: EngineLookups): Promise<(id: string) => string | undefined> {
	const rows = await engine.containers();
	const names = new Map(rows.map((row) => [row.Id, containerName(row)]));
	return (id) => names.get(id) ?? [...names.entries()].find(([full]) => full.startsWith(id))?.[1];
}

export async function buildPlan(
	lookups: EngineLookups,
	engine: { endpoint: string; apiVersion: string; name?: string },
	names: string[],
	options: PlanOptions,
	resolvePath: (info: ContainerInspectInfo, oldImage: ImageInspectInfo) => Promise<ResolvedPath>,
	explainParked?: (parkedName: string) => Promise<string | undefined>,
): Promise<Plan<ContainerPlan>> {
	// Every inspect goes out now, a bounded number at a time; the checks still run
	// one container after the other, so the first refusal is the one it always was.
	lookups.warm(names);
	const checked: Array<{ info: ContainerInspectInfo; oldImage: ImageInspectInfo }> = [];
	for (const name of names) checked.push(await preflightContainer(lookups, name, names, explainParked));

	const path = await clusterPath(checked.map(({ info, oldImage }) => ({ name: containerName(info), info, oldImage })), resolvePath);

	const resolver = await containerNameResolver(lookups);
	const firstRef = `${path.repository}:${path.hops[0]!.tag}`;
	return {
		units: checked.map(({ info, oldImage }) => ({ ...planContainer(engine, info, oldImage, firstRef, options, resolver), ...(path.localTarget ? { localImage: true } : {}) })),
		path,
		hops: path.hops.map((hop) => hop.tag),
		keepOld: options.keepOld,
		options,
		engine,
	};
}
