// The one place that says what a swarm-service upgrade asks the engine for
// (watchtower's lesson: a kind's update rules live together). The new spec is
// the whole current spec with only the image changed, so nothing the operator
// set (mounts, env, networks, labels) is lost, plus an UpdateConfig that makes
// the engine itself roll back a task that does not come up healthy.

export interface ServiceSpecLike {
	Name?: string;
	TaskTemplate?: { ContainerSpec?: { Image?: string; [key: string]: unknown }; [key: string]: unknown };
	UpdateConfig?: { Parallelism?: number; Order?: string; [key: string]: unknown };
	[key: string]: unknown;
}

export interface ImageHealthcheck {
	/** Nanoseconds, as the engine reports them. */
	StartPeriod?: number;
	Interval?: number;
	Retries?: number;
}

const SECOND_NS = 1_000_000_000;
/** The engine's defaults when an image's healthcheck leaves them out. */
const DEFAULT_INTERVAL_NS = 30 * SECOND_NS;
const DEFAULT_RETRIES = 3;

/**
 * How long swarm watches each updated task before it calls it good: the
 * --health-timeout when given, else long enough for the image's healthcheck to
 * turn unhealthy (start period + interval × retries), at least 5 s.
 */
export function monitorNs(healthTimeoutS: number | undefined, healthcheck: ImageHealthcheck | undefined): number {
	if (healthTimeoutS !== undefined) return Math.round(healthTimeoutS * SECOND_NS);
	const window = (healthcheck?.StartPeriod ?? 0) + (healthcheck?.Interval || DEFAULT_INTERVAL_NS) * (healthcheck?.Retries || DEFAULT_RETRIES);
	return Math.max(5 * SECOND_NS, window);
}

/** Replicas the spec asks for, or 'global' (one task per node). */
export function replicasOfSpec(spec: ServiceSpecLike): number | 'global' {
	const mode = spec.Mode as { Replicated?: { Replicas?: number }; Global?: object } | undefined;
	return mode?.Global ? 'global' : (mode?.Replicated?.Replicas ?? 1);
}

/** The spec to send: the current one, image pinned to `repo:tag@sha256:…`, update rules set. */
export function upgradeSpec(current: ServiceSpecLike, pinnedImage: string, monitor: number): ServiceSpecLike {
	const spec = structuredClone(current);
	const task = spec.TaskTemplate ?? {};
	spec.TaskTemplate = { ...task, ContainerSpec: { ...(task.ContainerSpec ?? {}), Image: pinnedImage } };
	spec.UpdateConfig = {
		...(current.UpdateConfig ?? {}),
		Parallelism: current.UpdateConfig?.Parallelism || 1,
		FailureAction: 'rollback',
		Monitor: monitor,
		...(current.UpdateConfig?.Order ? { Order: current.UpdateConfig.Order } : {}),
	};
	return spec;
}

/** --dry-run: what the update changes, one line each. */
export function describeUpgradeSpec(current: ServiceSpecLike, next: ServiceSpecLike): string[] {
	const lines = [`image: ${current.TaskTemplate?.ContainerSpec?.Image ?? '?'} -> ${next.TaskTemplate?.ContainerSpec?.Image ?? '?'}`];
	const before = current.UpdateConfig ?? {};
	const after = next.UpdateConfig ?? {};
	for (const key of ['Parallelism', 'FailureAction', 'Monitor', 'Order'] as const) {
		const shown = (value: unknown) => (value === undefined ? '(engine default)' : key === 'Monitor' && typeof value === 'number' ? `${value / SECOND_NS} s` : String(value));
		if (before[key] !== after[key]) lines.push(`update ${key}: ${shown(before[key])} -> ${shown(after[key])}`);
	}
	return lines;
}
