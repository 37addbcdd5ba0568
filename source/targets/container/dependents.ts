import type { ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import { UsageError, refuseIf } from '../../core/errors.js';
import type { HealthOptions, PlanOptions } from '../../core/plan/plan.js';
import { containerName } from '../../docker/discovery.js';
import type { EngineLookups } from '../../docker/engine-lookups.js';
import { buildRecreateSpec, type RecreateSpec } from './recreate-spec.js';

// Containers that reach a container through its network namespace
// (`--network container:X`) or a legacy link. Both point at X's container ID,
// so after X's swap a plain restart of them joins nothing: they are stopped
// before X and recreated after it, each with its own configuration, joined to
// the new X. Only the shapes that can be put back exactly are accepted.

/** What preflight found of one dependent (read-only). */
export interface DependentFound {
	info: ContainerInspectInfo;
	image: ImageInspectInfo;
	/** The reference it is recreated from: its own tag while that still names its image, else the image ID. */
	imageRef: string;
	/** How it depends on the provider. */
	via: 'namespace' | 'link';
}

/** A dependent as the plan and the journal know it. */
export interface DependentPlan {
	name: string;
	id: string;
	parkedName: string;
	imageRef: string;
	via: 'namespace' | 'link';
	stopTimeoutS: number;
	/** Its own healthcheck when it has one, else running for the stability window. */
	health: HealthOptions;
	spec: RecreateSpec;
}

function isManaged(labels: Record<string, string>): string | undefined {
	if (Object.keys(labels).some((key) => key.startsWith('com.docker.compose.'))) return 'is managed by Docker Compose';
	if (Object.keys(labels).some((key) => key.startsWith('com.docker.swarm.'))) return 'is a Swarm task';
	return undefined;
}

/**
 * The provider's dependents that are not selected themselves, each checked:
 * refused (exit 2) when recreating it could not be undone exactly.
 */
export async function preflightDependents(lookups: EngineLookups, provider: ContainerInspectInfo, selected: string[]): Promise<DependentFound[]> {
	const name = containerName(provider);
	const found: DependentFound[] = [];
	for (const dependent of (await lookups.dependentsOf(provider)).filter((each) => !selected.includes(each))) {
		const info = (await lookups.container(dependent))!;
		const what = `container ${name} is used by ${dependent} (network namespace or link)`;
		refuseIf(
			info.HostConfig?.AutoRemove,
			`${what}, which runs with --rm (AutoRemove): stopping it would delete it; recreate ${dependent} without --rm, then upgrade ${name}`,
		);
		refuseIf(!info.State.Running, `${what}, which is not running (${info.State.Status}); start or remove ${dependent} first`);
		const managed = isManaged(info.Config.Labels ?? {});
		refuseIf(Boolean(managed), `${what}, which ${managed}; stop ${dependent} through its tool, upgrade ${name}, then bring it up again`);
		const nested = await lookups.dependentsOf(info);
		refuseIf(
			nested.length > 0,
			`${what}, which itself is used by ${nested.join(', ')}: nested namespaces or links are not recreated; stop ${[...nested, dependent].join(', ')}, upgrade ${name}, then recreate them innermost last`,
		);
		if (await lookups.container(`${dependent}-old`)) {
			throw new UsageError(`${what}, and a container named ${dependent}-old already exists; check it (docker inspect ${dependent}-old) and rename it out of the way first`);
		}
		const image = await lookups.image(info.Image);
		// The same image, never a newer one a moved tag now names.
		const tagged = await lookups.docker.getImage(info.Config.Image).inspect().catch(() => undefined);
		const imageRef = tagged?.Id === info.Image ? info.Config.Image : info.Image;
		const mode = info.HostConfig?.NetworkMode ?? '';
		found.push({ info, image, imageRef, via: mode.startsWith('container:') ? 'namespace' : 'link' });
	}
	return found;
}

/** The dependent's recreate plan: exactly its own configuration (the one place recreate rules live), joined to the provider by name until its new ID is known. */
export function planDependent(
	engine: { apiVersion: string },
	found: DependentFound,
	options: Pick<PlanOptions, 'healthTimeoutS' | 'stableS'>,
	resolveContainerName?: (id: string) => string | undefined,
): DependentPlan {
	const name = containerName(found.info);
	return {
		name,
		id: found.info.Id,
		parkedName: `${name}-old`,
		imageRef: found.imageRef,
		via: found.via,
		stopTimeoutS: (found.info.Config as { StopTimeout?: number }).StopTimeout ?? 10,
		health: { healthcheck: 'auto', stableMs: options.stableS * 1000, timeoutMs: options.healthTimeoutS * 1000 },
		spec: buildRecreateSpec({ container: found.info, oldImage: found.image, targetImage: found.imageRef, apiVersion: engine.apiVersion, resolveContainerName }),
	};
}

/** The create options with the namespace joined to the provider's new container by ID (a link names it, and the name is the new one's). */
export function joinedTo(dependent: DependentPlan, providerId: string): RecreateSpec {
	if (dependent.via !== 'namespace') return dependent.spec;
	const create = { ...dependent.spec.create, HostConfig: { ...dependent.spec.create.HostConfig, NetworkMode: `container:${providerId}` } };
	return { ...dependent.spec, create };
}
