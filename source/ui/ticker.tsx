import React, { createContext, useContext, useEffect, useSyncExternalStore, type ReactNode } from 'react';

// One shared clock for every spinner and running figure on screen: a single
// interval, running only while some view wants it, and a single subscriber
// (<TickProvider>) handing the tick down by context. One subscriber matters:
// ink renders in legacy mode, where each store subscriber would re-render in
// its own commit; a context update re-renders all its readers in one.

export const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const TICK_MS = 125;

export interface Ticker {
	subscribe(listener: () => void): () => void;
	getSnapshot(): number;
	/** Ask for ticks; the returned function gives them up. */
	retain(): () => void;
	/** The wall clock the running figures read (a test passes a fixed one). */
	now(): number;
}

export function createTicker(intervalMs = TICK_MS, now: () => number = Date.now): Ticker {
	const listeners = new Set<() => void>();
	let tick = 0;
	let wanted = 0;
	let timer: ReturnType<typeof setInterval> | undefined;
	const update = () => {
		const run = wanted > 0 && listeners.size > 0;
		if (run && !timer) {
			timer = setInterval(() => {
				tick++;
				for (const listener of [...listeners]) listener();
			}, intervalMs);
		} else if (!run && timer) {
			clearInterval(timer);
			timer = undefined;
		}
	};
	return {
		subscribe(listener) {
			listeners.add(listener);
			update();
			return () => {
				listeners.delete(listener);
				update();
			};
		},
		getSnapshot: () => tick,
		retain() {
			wanted++;
			update();
			let released = false;
			return () => {
				if (released) return;
				released = true;
				wanted--;
				update();
			};
		},
		now: () => now(),
	};
}

const TickContext = createContext<{ tick: number; ticker?: Ticker }>({ tick: 0 });

export function TickProvider({ ticker, children }: { ticker: Ticker; children: ReactNode }) {
	const tick = useSyncExternalStore(ticker.subscribe, ticker.getSnapshot);
	return <TickContext.Provider value={{ tick, ticker }}>{children}</TickContext.Provider>;
}

/** The tick count; the reader re-renders on every tick while it is mounted. */
export function useTick(): number {
	const { tick, ticker } = useContext(TickContext);
	useEffect(() => ticker?.retain(), [ticker]);
	return tick;
}

export function spinnerFrame(tick: number): string {
	return SPINNER_FRAMES[tick % SPINNER_FRAMES.length]!;
}

/** The ticker's clock (wall-clock now unless injected), refreshed by the shared ticker. */
export function useNow(): number {
	useTick();
	const { ticker } = useContext(TickContext);
	return ticker ? ticker.now() : Date.now();
}
