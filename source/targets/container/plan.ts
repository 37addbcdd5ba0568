import type { ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import { UsageError, refuseIf } from '../../core/errors.js';
import type { PlanEngine, StepName } from '../../core/events.js';
import type { HealthOptions, Plan, PlanOptions, Unit } from '../../core/plan/plan.js';
import { containerName } from '../../docker/discovery.js';
import { serviceOfTask } from '../swarm/select.js';
import type { EngineLookups } from '../../docker/engine-lookups.js';
import { planDependent, preflightDependents, type DependentFound, type DependentPlan } from './dependents.js';
import { lateCreateReason, stagedNameOf } from './staging.js';
import { buildRecreateSpec, describeSpecDiff, type RecreateSpec } from './recreate-spec.js';
import { profileFor, type Profile } from '../../profiles/profile.js';
import { healthOptionsFor } from '../../core/plan/health.js';
import type { ResolvedPath } from '../../sessions/upgrade-path.js';
import { clusterPath } from '../cluster-path.js';
import { oneOffFor, type OneOffCommand } from '../one-off-command.js';
import { labelFor, labelUnits, repeatedNames } from '../../core/cluster-names.js';

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
	/** Containers in its network namespace or linked to it: stopped before it, recreated after its gate. */
	dependents: DependentPlan[];
	/** The new container is created before the stop under this name (staging.ts), renamed after the park. */
	stagedName?: string;
	/** Why the new container is created only after the stop, when it is not staged. */
	lateCreate?: string;
}

const SWAP_STEPS: StepName[] = ['pull', 'stop', 'rename', 'create', 'start', 'health', 'remove-old'];

/**
 * The swap's steps, with the one-off before the start, the post-upgrade checks after the gate, and the dependents around it, when they run.
 * A staged create comes before everything that stops (the swap's order, driver.ts).
 */
function stepsOf(migrateFirst: boolean, checks: boolean, dependents: boolean, staged: boolean): StepName[] {
	return SWAP_STEPS.flatMap((step): StepName[] => {
		if (step === 'stop') return [...(staged ? ['create' as const] : []), ...(dependents ? ['stop-apps' as const] : []), step];
		if (step === 'create') return [...(migrateFirst ? ['migrate' as const] : []), ...(staged ? [] : [step])];
		if (step === 'health') return [step, ...(checks ? ['checks' as const] : []), ...(dependents ? ['start-apps' as const] : [])];
		return [step];
	});
}


export interface Preflighted {
	info: ContainerInspectInfo;
	oldImage: ImageInspectInfo;
	dependents: DependentFound[];
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
): Promise<Preflighted> {
	const found = await engine.container(name);
	refuseIf(!found, `no container named ${name} on this engine`);
	const info = found as ContainerInspectInfo;
	refuseIf(!info.State.Running, `container ${name} is not running (${info.State.Status}); start it or leave it out`);
	const labels = info.Config.Labels ?? {};
	refuseIf(
		Object.keys(labels).some((key) => key.startsWith('com.docker.compose.')),
		`container ${name} is managed by Docker Compose (project ${labels['com.docker.compose.project'] ?? '?'}); upgrade it through its compose file`,
	);
	// Before the digest rule: a task shows repo:tag@sha256:… and belongs to its service.
	const task = serviceOfTask(labels);
	refuseIf(
		Object.keys(labels).some((key) => key.startsWith('com.docker.swarm.')),
		`container ${name} is a Swarm task${task ? ` of service ${task.name}; select it with --service ${task.name}` : '; upgrade its service with docker service update'}`,
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
	const stagedName = stagedNameOf(name);
	if (await engine.hasContainer(stagedName)) {
		// Left by a run that crashed before its journal could say so, or somebody's own: never guess which.
		const createdBy = await explainParked(stagedName);
		throw new UsageError(
			`a container named ${stagedName} already exists (${createdBy ?? 'not created by any run in this state dir'}); the wizard creates the new ${name} under that name before the stop: check it (docker inspect ${stagedName}) and remove or rename it before upgrading ${name}`,
		);
	}
	// Namespace and link dependents are recreated around the swap; the unsafe shapes are refused there.
	const dependents = await preflightDependents(engine, info, selected);
	const oldImage = await engine.image(info.Image);
	return { info, oldImage, dependents };
}

/**
 * The swap of one container onto `targetRef`, from inspect documents taken now
 * (before any pull: the old image is inspected by ID, so its defaults are the
 * ones the container was created with).
 */
export function planContainer(
	engine: { name: string; apiVersion: string },
	info: ContainerInspectInfo,
	oldImage: ImageInspectInfo,
	targetRef: string,
	options: PlanOptions,
	resolveContainerName?: (id: string) => string | undefined,
	found: DependentFound[] = [],
): ContainerPlan {
	const name = containerName(info);
	const profile = profileFor(info, oldImage, options.profiles);
	const migrateFirst = oneOffFor(name, profile, options);
	const spec = buildRecreateSpec({ container: info, oldImage, targetImage: targetRef, apiVersion: engine.apiVersion, resolveContainerName });
	const ownStopTimeout = (info.Config as { StopTimeout?: number }).StopTimeout;
	const dependents = found.map((dependent) => planDependent(engine, dependent, options, resolveContainerName));
	const lateCreate = lateCreateReason(spec);
	return {
		kind: 'container',
		key: `${name}@${targetRef.slice(targetRef.lastIndexOf(':') + 1)}`,
		name,
		engine: engine.name,
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
		dependents,
		...(lateCreate ? { lateCreate } : { stagedName: stagedNameOf(name) }),
		steps: stepsOf(Boolean(migrateFirst), Boolean(profile.checks), dependents.length > 0, !lateCreate),
	};
}

export async function containerNameResolver(engine: EngineLookups): Promise<(id: string) => string | undefined> {
	const rows = await engine.containers();
	const names = new Map(rows.map((row) => [row.Id, containerName(row)]));
	return (id) => names.get(id) ?? [...names.entries()].find(([full]) => full.startsWith(id))?.[1];
}

/** The containers selected on one engine, with that engine's lookups. */
export interface EngineGroup {
	lookups: EngineLookups;
	engine: PlanEngine;
	names: string[];
}

export async function buildPlan(
	lookups: EngineLookups,
	engine: PlanEngine,
	names: string[],
	options: PlanOptions,
	resolvePath: (info: ContainerInspectInfo, oldImage: ImageInspectInfo) => Promise<ResolvedPath>,
	explainParked?: (parkedName: string) => Promise<string | undefined>,
): Promise<Plan<ContainerPlan>> {
	return buildClusterPlan([{ lookups, engine, names }], options, resolvePath, explainParked);
}

/**
 * One cluster over one or several engines: every group's containers checked
 * on their own engine, one version path for all of them, units in the order
 * of the engines given. One name may be selected on several engines.
 */
export async function buildClusterPlan(
	groups: EngineGroup[],
	options: PlanOptions,
	resolvePath: (info: ContainerInspectInfo, oldImage: ImageInspectInfo) => Promise<ResolvedPath>,
	explainParked?: (parkedName: string) => Promise<string | undefined>,
): Promise<Plan<ContainerPlan>> {
	// Every inspect goes out now, a bounded number at a time; the checks still run
	// one container after the other, so the first refusal is the one it always was.
	for (const group of groups) group.lookups.warm(group.names);
	const checked: Array<Preflighted & { group: EngineGroup }> = [];
	for (const group of groups) {
		for (const name of group.names) checked.push({ ...(await preflightContainer(group.lookups, name, group.names, explainParked)), group });
	}

	// The path's messages name each member as the run will: with its engine when its name repeats.
	const repeated = repeatedNames(checked.map(({ info, group }) => ({ name: containerName(info), engine: group.engine.name })));
	const memberName = (info: ContainerInspectInfo, group: EngineGroup) => labelFor(containerName(info), group.engine.name, repeated);
	const path = await clusterPath(checked.map(({ info, oldImage, group }) => ({ name: memberName(info, group), info, oldImage })), resolvePath);

	const resolvers = new Map<EngineGroup, (id: string) => string | undefined>();
	for (const group of groups) resolvers.set(group, await containerNameResolver(group.lookups));
	const firstRef = `${path.repository}:${path.hops[0]!.tag}`;
	const engines = groups.map(({ engine }) => ({ name: engine.name, endpoint: engine.endpoint, apiVersion: engine.apiVersion, ...(engine.ref ? { ref: engine.ref } : {}) }));
	return {
		// One name on several engines (a cluster behind a load balancer): each unit labelled with its engine.
		units: labelUnits(checked.map(({ info, oldImage, dependents, group }) => ({
			...planContainer(group.engine, info, oldImage, firstRef, options, resolvers.get(group), dependents),
			...(path.localTarget ? { localImage: true } : {}),
		}))),
		path,
		hops: path.hops.map((hop) => hop.tag),
		keepOld: options.keepOld,
		options,
		engine: engines[0]!,
		...(engines.length > 1 ? { engines } : {}),
	};
}
