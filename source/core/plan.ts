import type Docker from 'dockerode';
import type { ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import semver from 'semver';
import { UsageError } from './errors.js';
import type { StepName } from './events.js';
import { containerName, dependentsOf, inspectByName, repositoryOf, tagOf } from '../docker/discovery.js';
import { buildRecreateSpec, describeSpecDiff, type RecreateSpec } from '../docker/recreate-spec.js';
import type { HealthGate } from '../docker/health.js';

// A Plan is everything the executor needs, computed without touching anything:
// which containers, in which order, onto which image, with which create options
// and which health gate. `--dry-run` prints it and stops.

export interface PlanOptions {
	targetTag: string;
	healthUrl?: string;
	healthTimeoutS: number;
	stableS: number;
	stopTimeoutS?: number;
	keepOld: boolean;
}

export interface ContainerPlan {
	name: string;
	parkedName: string;
	id: string;
	from: string;
	fromVersion?: string;
	to: string;
	targetRef: string;
	oldImageId: string;
	inspect: ContainerInspectInfo;
	oldImage: ImageInspectInfo;
	spec: RecreateSpec;
	specDiff: string[];
	stopTimeoutS: number;
	health: Omit<HealthGate, 'healthcheck'> & { healthcheck: 'auto' | false };
	steps: StepName[];
}

export interface Plan {
	containers: ContainerPlan[];
	/** Unique target references, pulled before anything stops. */
	pulls: string[];
	keepOld: boolean;
	engine: { endpoint: string; apiVersion: string };
}

/** How the plan learns whether a target image can be had, without pulling it. */
export type ImageAvailability = (ref: string) => Promise<{ ok: true; where: 'local' | 'registry' } | { ok: false; reason: string }>;

const TAG = /^[\w][\w.-]{0,127}$/;
const SWAP_STEPS: StepName[] = ['pull', 'stop', 'rename', 'create', 'start', 'health', 'remove-old'];

export function versionOf(ref: string, labels: Record<string, string> | undefined): string | undefined {
	const tag = tagOf(ref)?.replace(/^v/, '');
	if (tag && semver.valid(tag)) return tag;
	return labels?.['org.opencontainers.image.version'];
}

function refuseIf(condition: unknown, message: string): void {
	if (condition) throw new UsageError(message);
}

export async function buildPlan(
	docker: Docker,
	engine: { endpoint: string; apiVersion: string },
	names: string[],
	options: PlanOptions,
	available: ImageAvailability,
): Promise<Plan> {
	refuseIf(!TAG.test(options.targetTag), `malformed tag "${options.targetTag}": a tag is letters, digits, '_', '.', '-' (at most 128, not starting with '.' or '-')`);
	const containers: ContainerPlan[] = [];
	const availability = new Map<string, Awaited<ReturnType<ImageAvailability>>>();
	for (const name of names) {
		const inspect = await inspectByName(docker, name);
		refuseIf(!inspect, `no container named ${name} on this engine`);
		const info = inspect as ContainerInspectInfo;
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
		const parked = await inspectByName(docker, parkedName);
		refuseIf(parked, `a container named ${parkedName} already exists (left by an earlier upgrade?); remove or rename it first`);
		const dependents = (await dependentsOf(docker, info)).filter((dependent) => !names.includes(dependent));
		refuseIf(
			dependents.length > 0,
			`container ${name} is used by ${dependents.join(', ')} (network namespace or link); select them too or upgrade by hand`,
		);

		const repository = repositoryOf(ref);
		const targetRef = `${repository}:${options.targetTag}`;
		const fromVersion = versionOf(ref, labels);
		const toVersion = options.targetTag.replace(/^v/, '');
		if (fromVersion && semver.valid(fromVersion) && semver.valid(toVersion)) {
			refuseIf(
				semver.lt(toVersion, fromVersion),
				`${name}: ${options.targetTag} is older than the running ${fromVersion}; downgrades are refused, restore a backup instead`,
			);
		}
		if (!availability.has(targetRef)) availability.set(targetRef, await available(targetRef));
		const found = availability.get(targetRef)!;
		if (!found.ok) throw new UsageError(found.reason);

		const oldImage = await docker.getImage(info.Image).inspect();
		const spec = buildRecreateSpec({
			container: info,
			oldImage,
			targetImage: targetRef,
			apiVersion: engine.apiVersion,
			resolveContainerName: undefined,
		});
		const ownStopTimeout = (info.Config as { StopTimeout?: number }).StopTimeout;
		containers.push({
			name,
			parkedName,
			id: info.Id,
			from: ref,
			fromVersion,
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
			steps: [...SWAP_STEPS],
		});
	}
	return {
		containers,
		pulls: [...new Set(containers.map((container) => container.targetRef))],
		keepOld: options.keepOld,
		engine,
	};
}

/** The plan in lines an operator can read (also what --dry-run prints). */
export function describePlan(plan: Plan): string[] {
	const lines: string[] = [];
	lines.push(`Engine ${plan.engine.endpoint} (API ${plan.engine.apiVersion})`);
	lines.push(`Pull before anything stops: ${plan.pulls.join(', ')}`);
	plan.containers.forEach((container, index) => {
		lines.push(`${index + 1}. ${container.name}: ${container.from} -> ${container.to}`);
		lines.push(`   stop ${container.name} (timeout ${container.stopTimeoutS} s), rename it ${container.parkedName}, create and start the new ${container.name}`);
		const gate = [
			'the new image\'s Docker healthcheck if it has one',
			container.health.url ? `HTTP 200 from ${container.health.url}` : undefined,
			`else running ${container.health.stableMs / 1000} s without a restart`,
		].filter(Boolean);
		lines.push(`   health gate: ${gate.join('; ')} (timeout ${container.health.timeoutMs / 1000} s)`);
		lines.push(
			plan.keepOld
				? `   then keep ${container.parkedName}`
				: `   then remove ${container.parkedName}${plan.containers.length > 1 ? ' once every container is healthy' : ''}`,
		);
		lines.push('   on failure: remove the new container, rename the old one back, start it');
		for (const diff of container.specDiff) lines.push(`   ~ ${diff}`);
	});
	return lines;
}

export { containerName };
