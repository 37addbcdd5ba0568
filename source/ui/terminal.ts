import React, { createContext, useCallback, useContext, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { useInput, useStdin, useStdout, type Key } from 'ink';
import { KeyRouter, type KeyHandler } from './key-router.js';

export { LATER, type KeyHandler } from './key-router.js';

// Terminal facts the views lay themselves out by, and key handling that only
// ever listens where there is a terminal to listen on.

/** 80x24 is the smallest terminal the wizard promises to be readable in. */
export const FALLBACK_COLUMNS = 80;
export const FALLBACK_ROWS = 24;

export interface TerminalSize {
	columns: number;
	rows: number;
}

function sizeOf(stdout: NodeJS.WriteStream): TerminalSize {
	return {
		columns: stdout.columns > 0 ? stdout.columns : FALLBACK_COLUMNS,
		rows: stdout.rows > 0 ? stdout.rows : FALLBACK_ROWS,
	};
}

/** Re-renders on resize: ink relays out on resize, but components reading the size must hear of it too. */
export function useTerminalSize(): TerminalSize {
	const { stdout } = useStdout();
	const [size, setSize] = useState(() => sizeOf(stdout));
	useEffect(() => {
		const onResize = () => setSize(sizeOf(stdout));
		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);
	return size;
}

/**
 * The tallest live frame allowed: ink 6 clears the whole screen (flicker, lost
 * scrollback) when the live frame is as tall as the terminal.
 */
export function liveHeight(size: TerminalSize): number {
	return Math.max(6, size.rows - 1);
}

export function isCtrlC(input: string, key: Key): boolean {
	return input === '\u0003' || (key.ctrl && input === 'c');
}

/**
 * A key handler that always sees the latest render. ink re-subscribes a new
 * handler in a passive effect, so a key typed right after another (a fast
 * typist, key repeat) could reach the previous render's handler and act on
 * stale state: "y" then enter answering no. The ref is updated at commit,
 * which ink performs synchronously for each key.
 */
function useLatest<T>(value: T): { readonly current: T } {
	const ref = useRef(value);
	useLayoutEffect(() => {
		ref.current = value;
	});
	return ref;
}

const RouterContext = createContext<KeyRouter | undefined>(undefined);

/**
 * The app's one reader of the terminal: every key goes through the router
 * (key-router.ts), one per turn, to the screens' useKeys. Ctrl-C is not
 * routed: the app owns it (useCtrlC).
 */
export function KeysProvider({ children }: { children: ReactNode }) {
	const { isRawModeSupported } = useStdin();
	const [router] = useState(() => new KeyRouter());
	const onInput = useCallback(
		(input: string, key: Key) => {
			if (!isCtrlC(input, key)) router.push(keysOf(input, key));
		},
		[router],
	);
	useInput(onInput, { isActive: isRawModeSupported });
	return React.createElement(RouterContext.Provider, { value: router }, children);
}

/**
 * A screen's keys, listening only where stdin can go raw (a TTY, never a
 * pipe), and never handed Ctrl-C. `active` is checked when a key arrives, so a
 * screen behind a dialog or the help stops taking keys at once. A handler
 * returns LATER for a key it cannot take yet (its data is loading): under
 * KeysProvider the key is kept for it. Registered in a layout effect, so a
 * screen that a key closed is gone before the next key is handed out.
 */
export function useKeys(handler: KeyHandler, active = true): void {
	const router = useContext(RouterContext);
	const { isRawModeSupported } = useStdin();
	const latest = useLatest({ handler, active });
	useLayoutEffect(() => router?.register({ handler: () => latest.current.handler, active: () => latest.current.active }), [router, latest]);
	useEffect(() => router?.poke());
	// Outside KeysProvider (a screen rendered on its own): straight from ink, burst by burst.
	const onInput = useCallback(
		(input: string, key: Key) => {
			if (isCtrlC(input, key)) return;
			for (const [one, oneKey] of keysOf(input, key)) {
				// A key may close the screen (answer a gate): the rest of the burst is not its.
				if (!latest.current.active) return;
				latest.current.handler(one, oneKey);
			}
		},
		[latest],
	);
	useInput(onInput, { isActive: isRawModeSupported && active && !router });
}

/**
 * One chunk of input as the keys in it. Keys that arrive together (a fast
 * typist, a paste, mosh or a slow ssh link, `tmux send-keys y Enter`) come
 * as one chunk, "y\r"; each character is its own key, and a CR or LF is
 * Enter. Escape sequences (arrows) and modified keys stay whole.
 */
export function keysOf(input: string, key: Key): Array<[string, Key]> {
	if (input.length <= 1 || key.ctrl || key.meta || key.escape || input.startsWith('\u001b')) return [[input, key]];
	const plain = Object.fromEntries(Object.keys(key).map((name) => [name, false])) as unknown as Key;
	return [...input].map((char): [string, Key] => (char === '\r' || char === '\n' ? ['', { ...plain, return: true }] : [char, plain]));
}

/** Ctrl-C alone, for the one component that owns it. */
export function useCtrlC(handler: () => void): void {
	const { isRawModeSupported } = useStdin();
	const latest = useLatest(handler);
	const onInput = useCallback(
		(input: string, key: Key) => {
			if (isCtrlC(input, key)) latest.current();
		},
		[latest],
	);
	useInput(onInput, { isActive: isRawModeSupported });
}

export function isUp(input: string, key: Key): boolean {
	return key.upArrow || input === 'k';
}

export function isDown(input: string, key: Key): boolean {
	return key.downArrow || input === 'j';
}
