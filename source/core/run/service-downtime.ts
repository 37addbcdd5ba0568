import type { ServiceDowntime } from '../events.js';

// A cluster's downtime as its users see it behind a load balancer: the
// service is down only while every node is down at once. Rolling one node at
// a time keeps it at zero; --stop-all-first (or a node that never came back
// while another was stopped) does not. The summary says which node was down
// when, so "zero" can be checked against the windows.

export interface DownWindow {
	container: string;
	engine?: string;
	/** Epoch ms. */
	startAt: number;
	endAt: number;
}

/** Length of the time every one of `nodes` units spends down at once; the windows in time order. */
export function serviceDowntime(nodes: ReadonlyArray<{ container: string; engine?: string }>, windows: DownWindow[]): ServiceDowntime | undefined {
	if (nodes.length < 2 || windows.length === 0) return undefined;
	const key = (each: { container: string; engine?: string }) => `${each.engine ?? ''}\u0000${each.container}`;
	// A sweep over the window edges: the service is down while the count of nodes down equals the node count.
	const edges = windows.flatMap((window) => [
		{ at: window.startAt, delta: 1, node: key(window) },
		{ at: window.endAt, delta: -1, node: key(window) },
	]);
	// Ends before starts at one instant: a node handing over to the next is not a gap.
	edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
	const downBy = new Map<string, number>();
	let allDownSince: number | undefined;
	let downtimeMs = 0;
	for (const edge of edges) {
		downBy.set(edge.node, (downBy.get(edge.node) ?? 0) + edge.delta);
		const down = [...downBy.values()].filter((count) => count > 0).length;
		if (down === nodes.length && allDownSince === undefined) allDownSince = edge.at;
		else if (down < nodes.length && allDownSince !== undefined) {
			downtimeMs += edge.at - allDownSince;
			allDownSince = undefined;
		}
	}
	const ordered = [...windows].sort((a, b) => a.startAt - b.startAt);
	return {
		nodes: nodes.length,
		downtimeMs,
		windows: ordered.map((window) => ({ container: window.container, ...(window.engine ? { engine: window.engine } : {}), from: new Date(window.startAt).toISOString(), to: new Date(window.endAt).toISOString(), ms: window.endAt - window.startAt })),
	};
}
