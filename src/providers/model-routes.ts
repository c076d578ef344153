import { publicModels, serves, upstreamModel, type Endpoint, type ProviderSpec } from './provider-spec.ts';

/** One member of a model group (`llm_client.model_groups`): a provider, and the model it is asked for. */
export interface GroupMember {
  provider: string;
  /** The provider's own model id; unset: its mapping for the group's name, else its default model. */
  model: string | undefined;
}

export type ModelGroups = Readonly<Record<string, readonly GroupMember[]>>;

/** Where a requested model goes: the providers in the order to try, and the model id each is sent. */
export interface ModelRoute {
  providers: readonly ProviderSpec[];
  upstream(p: ProviderSpec): string | undefined;
  /** The whole chain (`auto`, no model, or a name no provider lists): its exhaustion is the host's emergency. */
  whole: boolean;
}

export interface ListedModel {
  id: string;
  owned_by: string;
}

/**
 * Every model the door accepts: `auto` (the whole chain), each group
 * (owned by nxs), then each provider's public names, first lister wins.
 */
export function listModels(chain: readonly ProviderSpec[], groups: ModelGroups): ListedModel[] {
  const out: ListedModel[] = [{ id: 'auto', owned_by: 'nxs' }];
  const seen = new Set(['auto']);
  for (const g of Object.keys(groups)) {
    if (!seen.has(g)) out.push({ id: g, owned_by: 'nxs' });
    seen.add(g);
  }
  for (const p of chain) {
    for (const m of publicModels(p)) {
      if (!seen.has(m)) out.push({ id: m, owned_by: p.name });
      seen.add(m);
    }
  }
  return out;
}

/**
 * Pure routing of a model name over `order` (the chain as the client would
 * try it, sticky provider first, disabled providers left out; `chain` is every provider):
 * - `auto` or no model: every provider, each with its default model;
 * - a group: its members in the group's own order (its own fallback);
 * - a name some providers list: only those, in chain order, each sent its own id for it
 *   (a listed name never silently goes to a provider that does not serve it);
 * - a name nobody lists: the whole chain, as before routing existed (the door refuses
 *   such names with model_not_found unless no provider lists any model).
 */
export function routeModel(chain: readonly ProviderSpec[], order: readonly ProviderSpec[], groups: ModelGroups, model: string | undefined): ModelRoute {
  if (model === undefined || model === 'auto') return { providers: order, upstream: (p) => upstreamModel(p, model), whole: true };
  const group = Object.hasOwn(groups, model) ? groups[model] : undefined;
  if (group) {
    const ids = new Map<string, string | undefined>();
    const providers: ProviderSpec[] = [];
    for (const m of group) {
      const p = order.find((x) => x.name === m.provider);
      // A member left out of the chain (disabled by enabled_if, or a local server not found) is skipped.
      if (!p || ids.has(p.name)) continue;
      ids.set(p.name, m.model ?? upstreamModel(p, model));
      providers.push(p);
    }
    return { providers, upstream: (p) => ids.get(p.name), whole: false };
  }
  // Listed anywhere in the chain (not only among the providers enabled now): a listed name whose providers
  // are all left out has nobody to serve it, rather than going to one that does not list it.
  if (!chain.some((p) => servesModel(p, model))) return { providers: order, upstream: (p) => upstreamModel(p, model), whole: true };
  return { providers: order.filter((p) => servesModel(p, model)), upstream: (p) => upstreamModel(p, model), whole: false };
}

function servesModel(p: ProviderSpec, model: string): boolean {
  return Object.hasOwn(p.models, model) || p.model === model;
}

/**
 * The names a request for `endpoint` may use: `auto`, the groups with a member that serves it, and
 * the public names of the providers that serve it (a chat model asked for embeddings is not one).
 */
export function modelsFor(chain: readonly ProviderSpec[], groups: ModelGroups, endpoint: Endpoint): Set<string> {
  const on = chain.filter((p) => serves(p, endpoint));
  const names = new Set(on.map((p) => p.name));
  const kept: Record<string, readonly GroupMember[]> = {};
  for (const [g, members] of Object.entries(groups)) if (members.some((m) => names.has(m.provider))) kept[g] = members;
  return new Set(listModels(on, kept).map((m) => m.id));
}
