// A cluster over several engines names each container by its name alone in
// events, the journal and the summary, so one name chosen on two engines of
// one run is refused. The --yes selection (sessions/engine-cluster.ts) and the
// wizard's Containers screen say it in these same words. Pure: the screens
// import it without pulling in an engine client.

/** The one-line reason: `name` is chosen on the engines `first` and `second`. */
export function sameNameReason(name: string, first: string, second: string): string {
	return `a container named ${name} is selected on ${first} and on ${second}: a cluster over several engines needs distinct container names for now; upgrade each engine in its own run (one --host or --context)`;
}

/** The reason for the first name chosen on two engines, in the engines' order; undefined when every name is on one. */
export function sameNameAcross(groups: ReadonlyArray<{ engine: string; names: readonly string[] }>): string | undefined {
	const seen = new Map<string, string>();
	for (const { engine, names } of groups) {
		for (const name of names) {
			const other = seen.get(name);
			if (other !== undefined && other !== engine) return sameNameReason(name, other, engine);
			seen.set(name, engine);
		}
	}
	return undefined;
}
