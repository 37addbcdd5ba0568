import type Docker from 'dockerode';
import type { ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import { UsageError, messageOf, oneLine } from '../../core/errors.js';
import type { Plan, PlanOptions } from '../../core/plan/plan.js';
import { healthOptionsFor } from '../../core/plan/health.js';
import type { Engine } from '../../docker/engine.js';
import { repositoryOf, tagOf } from '../../docker/discovery.js';
import type { RegistryReads } from '../../registry/memo-registry.js';
import { profileFor, type ProfileSet } from '../../profiles/profile.js';
import type { ResolvedPath } from '../../sessions/upgrade-path.js';
import { clusterPath } from '../cluster-path.js';
import { imageWithoutDigest, type SelectedService } from './select.js';
import { inspectService } from './service-calls.js';
import { describeUpgradeSpec, monitorNs, replicasOfSpec, upgradeSpec, type ServiceSpecLike } from './spec.js';
import type { SwarmServiceUnit } from './unit.js';

// Planning a Swarm service's upgrade, touching nothing: its spec as the
// engine holds it, a task container of it on this engine (its env says where
// the database is, as a plain container's would), the version path from the
// image it names without the digest the CLI stored, and the target pinned by
// the digest the registry gives, as `docker service update --image` pins it.

export interface ServiceFound {
	id: string;
	name: string;
	spec: ServiceSpecLike;
	/** A task container, seen as the service: its name is the service's, its image the spec's without the digest. */
	info: ContainerInspectInfo;
	oldImage: ImageInspectInfo;
	replicas: number | 'global';
}

const BUSY: Record<string, string> = {
	updating: 'is being updated by the engine now',
	rollback_started: 'is being rolled back by the engine now',
	paused: 'has a paused update (finish it or `docker service rollback` it first)',
	rollback_paused: 'has a paused rollback (finish it by hand first)',
};

/** The service as it is, refused when the engine is in the middle of changing it. */
export async function preflightService(docker: Docker, service: SelectedService): Promise<ServiceFound> {
	const now = await inspectService(docker, service.id);
	const busy = BUSY[now.updateStatus?.State ?? ''];
	if (busy) throw new UsageError(`service ${service.name} ${busy}; nothing was changed`);
	const specImage = now.spec.TaskTemplate?.ContainerSpec?.Image;
	if (!specImage) throw new UsageError(`service ${service.name} names no image in its spec`);
	const replicas = replicasOfSpec(now.spec);
	const task = await runningTask(docker, service.id);
	const image = await imageOf(docker, task?.Image, specImage, service.name);
	const base = task ?? fromSpec(service, now.spec, image);
	// What the version path reads: the tag the service names, never the digest pin.
	const info = { ...base, Name: `/${service.name}`, Config: { ...base.Config, Image: imageWithoutDigest(specImage) } } as ContainerInspectInfo;
	return { id: service.id, name: service.name, spec: now.spec, info, oldImage: image, replicas };
}

async function runningTask(docker: Docker, serviceId: string): Promise<ContainerInspectInfo | undefined> {
	const rows = await docker.listContainers({ filters: { label: [`com.docker.swarm.service.id=${serviceId}`], status: ['running'] } });
	const first = rows.sort((a, b) => a.Created - b.Created)[0];
	return first ? docker.getContainer(first.Id).inspect() : undefined;
}

async function imageOf(docker: Docker, id: string | undefined, specImage: string, service: string): Promise<ImageInspectInfo> {
	for (const ref of [id, specImage, imageWithoutDigest(specImage)]) {
		if (!ref) continue;
		const found = await docker.getImage(ref).inspect().catch(() => undefined);
		if (found) return found;
	}
	throw new UsageError(`service ${service}: its image ${specImage} is not on this engine (no task of it runs here); run the wizard against a manager that runs one`);
}

/** No task on this engine (a multi-node swarm): the spec says what a task would be. */
function fromSpec(service: SelectedService, spec: ServiceSpecLike, image: ImageInspectInfo): ContainerInspectInfo {
	const container = spec.TaskTemplate?.ContainerSpec ?? {};
	return {
		Id: service.id,
		Name: `/${service.name}`,
		Image: image.Id,
		Config: { Image: container.Image, Env: (container.Env as string[] | undefined) ?? [], Labels: (container.Labels as Record<string, string> | undefined) ?? {}, Healthcheck: image.Config?.Healthcheck },
		HostConfig: {},
		Mounts: [],
		NetworkSettings: { Networks: {} },
		State: { Running: false, Status: 'created' },
	} as unknown as ContainerInspectInfo;
}

export interface SwarmPlanContext {
	engine: Engine;
	registry: RegistryReads;
	resolvePath: (info: ContainerInspectInfo, oldImage: ImageInspectInfo) => Promise<ResolvedPath>;
	profiles?: ProfileSet;
}

/** `repo:tag@sha256:…` of the target, from the registry (the nodes pull exactly that). */
export async function pinTarget(registry: RegistryReads, targetRef: string, service: string): Promise<string> {
	try {
		const manifest = await registry.getManifest(targetRef);
		return `${targetRef}@${manifest.indexDigest ?? manifest.digest}`;
	} catch (error) {
		throw new UsageError(`service ${service}: cannot pin ${targetRef} by digest (${oneLine(messageOf(error))}); a Swarm update needs the registry, since every node pulls the target from it`);
	}
}

/** The unit for one hop: the update rules of spec.ts applied to what the service is now. */
export async function planSwarmService(found: ServiceFound, targetRef: string, options: PlanOptions, context: Omit<SwarmPlanContext, 'resolvePath'>): Promise<SwarmServiceUnit> {
	const pinned = await pinTarget(context.registry, targetRef, found.name);
	const config = await context.registry.getImageConfig(targetRef).catch(() => undefined);
	const healthcheck = (found.spec.TaskTemplate?.ContainerSpec?.Healthcheck as { StartPeriod?: number; Interval?: number; Retries?: number } | undefined) ?? (config?.healthcheck ? { StartPeriod: config.healthcheck.startPeriod, Interval: config.healthcheck.interval, Retries: config.healthcheck.retries } : undefined);
	const monitor = monitorNs(options.healthTimeoutGiven ? options.healthTimeoutS : undefined, healthcheck);
	const next = upgradeSpec(found.spec, pinned, monitor);
	const profile = profileFor(found.info, found.oldImage, options.profiles ?? context.profiles);
	const replicas = found.replicas === 'global' ? 1 : Math.max(1, found.replicas);
	// Each task: start, its health window, the monitor; bounded whatever the service says.
	const perTaskMs = options.healthTimeoutS * 1000 + monitor / 1e6 + 30_000;
	return {
		kind: 'swarm-service',
		key: `${found.name}@${tagOf(targetRef) ?? targetRef}`,
		name: found.name,
		engine: context.engine.name,
		from: imageWithoutDigest(found.spec.TaskTemplate!.ContainerSpec!.Image!),
		to: targetRef,
		targetRef,
		serviceId: found.id,
		service: found.name,
		oldImage: found.spec.TaskTemplate!.ContainerSpec!.Image!,
		pinned,
		monitorNs: monitor,
		replicas: found.replicas,
		followMs: Math.min(60 * 60_000, replicas * perTaskMs + 60_000),
		inspect: found.info,
		profile,
		health: healthOptionsFor(profile, options),
		changes: describeUpgradeSpec(found.spec, next),
	};
}

/** The plan of a run over Swarm services: one version path for all of them, as for a cluster of containers. */
export async function buildSwarmPlan(docker: Docker, services: SelectedService[], options: PlanOptions, context: SwarmPlanContext): Promise<Plan<SwarmServiceUnit>> {
	const found: ServiceFound[] = [];
	for (const service of services) found.push(await preflightService(docker, service));
	const path = await clusterPath(found.map(({ name, info, oldImage }) => ({ name, info, oldImage })), context.resolvePath);
	const firstRef = `${path.repository}:${path.hops[0]!.tag}`;
	const units: SwarmServiceUnit[] = [];
	for (const each of found) units.push(await planSwarmService(each, firstRef, options, context));
	const { engine } = context;
	if (units.some((unit) => repositoryOf(unit.from) !== path.repository)) throw new UsageError('the selected services run different repositories; upgrade one repository at a time');
	return {
		units,
		path,
		hops: path.hops.map((hop) => hop.tag),
		keepOld: options.keepOld,
		options,
		engine: { name: engine.name, endpoint: engine.endpoint, apiVersion: engine.apiVersion, ...(engine.ref ? { ref: engine.ref } : {}) },
	};
}
