import type { Context } from '../core/context.ts';
import type { HostBase } from './parts.ts';

/** What a step hands the steps after it: an object of typed handles, or nothing. */
export type Gift = object | void;

/**
 * A start step: `start` receives the host's base (routes, status, auth...) and the
 * handles of the earlier steps it declares in `Needs`, and returns the handles it
 * gives the later ones. A step registers its own stop with `ctx.lifecycle.onStop`,
 * so stops run in reverse order. Readiness never waits on the network: a step that
 * probes the network starts the probe and returns.
 *
 * A need the step can do without is optional (`queue?: SqliteQueue`); a required one
 * makes `bootPlan` refuse, at compile time, a list that does not start it earlier.
 */
export interface BootStep<Needs extends object = object, Gives extends Gift = Gift> {
  name: string;
  start(ctx: Context, parts: HostBase & Needs): Gives | Promise<Gives>;
}

type NeedsOf<S> = S extends BootStep<infer N, Gift> ? N : never;
type GivesOf<S> = S extends BootStep<object, infer G> ? (G extends object ? G : {}) : never;
type Missing<S, Have> = { [K in Exclude<keyof NeedsOf<S>, keyof Have>]-?: NeedsOf<S>[K] };

/** Every handle a list of steps gives, in the order they start. */
export type Given<Steps> = Steps extends readonly [infer H, ...infer R] ? GivesOf<H> & Given<R> : {};

/** Each step checked against what the steps before it gave; a step started too early names what it misses. */
type InOrder<Have, Steps> = Steps extends readonly [infer H, ...infer R]
  ? [Have extends NeedsOf<H> ? H : { needs_a_part_started_earlier: Missing<H, Have> }, ...InOrder<Have & GivesOf<H>, R>]
  : [];

/**
 * The start order, checked by the compiler: a step whose required need no earlier
 * step gives does not compile (`bootPlan(schedulerStep, queueStep)` fails on the
 * scheduler). Returns the steps as given, typed, so `Given<typeof plan>` names
 * what a host started with them holds.
 */
export function bootPlan<const S extends readonly BootStep[]>(...steps: S & InOrder<{}, S>): S {
  return steps;
}
