/**
 * CERT-FR `risks[].description` (French, free text: 500+ distinct wordings over 2000–2026) onto
 * Vigil's English impact labels. The table below is the whole mapping, read top to bottom; a risk
 * may carry several labels ("Exécution de code arbitraire, modification et usurpation de
 * privilèges en local" → code-execution + privilege-escalation). Matching is on the wording with
 * accents removed and lowercased.
 *
 * | label                  | CERT-FR wordings (examples, counts over the 15,738 bulletins)                          |
 * |------------------------|-----------------------------------------------------------------------------------------|
 * | remote-code-execution  | Exécution de code arbitraire à distance (5,742), … de commandes … à distance, prise de contrôle à distance |
 * | code-execution         | Exécution de code arbitraire (1,418; locality not stated, or local), … en local, exécution de commandes |
 * | denial-of-service      | Déni de service à distance (4,315), Déni de service (2,427), congestion, saturation       |
 * | privilege-escalation   | Élévation de privilèges (3,700), augmentation/obtention de privilèges, accès root        |
 * | data-confidentiality   | Atteinte à la confidentialité des données (5,458), divulgation/fuite/vol d'informations  |
 * | data-integrity         | Atteinte à l'intégrité des données (2,349), corruption/modification/écrasement/destruction |
 * | security-bypass        | Contournement de la politique de sécurité (4,446), … de la fonctionnalité de sécurité     |
 * | xss-injection          | Injection de code indirecte à distance (XSS) (993 + 572 + 103), cross-site scripting, injection SQL |
 * | request-forgery        | Injection de requêtes illégitimes par rebond (CSRF) (309), falsification … côté serveur (SSRF) (60) |
 * | spoofing               | Usurpation d'identité (188), usurpation de pages/adresses, homme du milieu                |
 * | other                  | any other stated risk (virus propagation, spam relaying, …)                              |
 * | (unknown)              | Non spécifié par l'éditeur (1,894), empty: the impact is not known, not "none"           |
 *
 * "Déni de service" with and without "à distance" are one label (the distinction is rarely what
 * a reader acts on); code execution keeps remote apart (it is what makes a bulletin urgent).
 */

/** The impact labels, in display order. */
export const IMPACT_LABELS = [
  'remote-code-execution',
  'code-execution',
  'denial-of-service',
  'privilege-escalation',
  'data-confidentiality',
  'data-integrity',
  'security-bypass',
  'xss-injection',
  'request-forgery',
  'spoofing',
  'other',
] as const;
export type ImpactLabel = (typeof IMPACT_LABELS)[number];

/** Lowercase, accents removed, typographic apostrophes and quotes folded, spaces collapsed. */
export function foldFrench(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[’‘`]/g, "'").replace(/\s+/g, ' ').trim();
}

const UNKNOWN = /non specifie|^$/;
const FORGERY = /csrf|ssrf|par rebond|request forger|falsification de requetes/;
const INJECTION = /xss|cross.?site.?script|injection|\bsql\b/;
const EXECUTION = /execut|exectut|prise de controle|controle de la machine a distance|acces complet au systeme a distance/;
const EXECUTED_THING = /code|comm?andes?|programme|script|fichier|procedure|macro|prise de controle|controle de la machine|systeme/;
const REMOTE = /a distance|distante?\b/;
const LOCAL_ONLY = /en local|localement/;
const DOS = /denis? d[eu] service|disponibilite|congestion|saturation|degradation des performances|coupure du service|blocage|bloquage/;
const PRIVILEGE =
  /(elevations?|elevation|augmentations?|obtention|usurpation|attibution|attribution|acces)\b.{0,40}(privilege|droits|root|administrateur)|acces root|compromission root|superutilisateur|super-utilisateur|privileges (root|eleves|supplementaires)/;
const CONFIDENTIALITY =
  /confidentialite|divulgation|fuite|\bvol\b|acces (a|aux|au|en lecture|non.?autorise|complet a des)|recuperation d'informations|diffusion d'informations|capture de mots|compromissions? d(e|es|u) (donnees|informations|mots)|lecture/;
const INTEGRITY =
  /integrite|corruption|modification|alteration|ecrasement|destruction|suppression|perte(s)? de donnees|defiguration|creation et.?ou modification|manipulation/;
const BYPASS = /contournement|contourner|coutournement|reduction des parametres|attenuation des parametres|faux negatifs/;
const SPOOFING =
  /usurpation d'identite|usurpation de (pages|l'identite|adresses)|camouflage d'identite|man in the middle|homme du milieu|usurpation d'adresses/;

/**
 * The impact labels of one CERT-FR risk wording; `null` when the wording says the impact is not
 * known ("Non spécifié par l'éditeur", empty).
 *
 * @example
 * impactLabelsOf('Exécution de code arbitraire à distance') // ['remote-code-execution']
 * impactLabelsOf("Non spécifié par l'éditeur") // null
 */
export function impactLabelsOf(risk: string): ImpactLabel[] | null {
  const r = foldFrench(risk);
  if (UNKNOWN.test(r)) return null;
  const out = new Set<ImpactLabel>();
  const forgery = FORGERY.test(r);
  if (forgery) out.add('request-forgery');
  if (!forgery && INJECTION.test(r)) out.add('xss-injection');
  if (EXECUTION.test(r) && EXECUTED_THING.test(r) && !/\bsql\b/.test(r)) {
    out.add(REMOTE.test(r) && !LOCAL_ONLY.test(r) ? 'remote-code-execution' : 'code-execution');
  }
  if (DOS.test(r)) out.add('denial-of-service');
  if (PRIVILEGE.test(r)) out.add('privilege-escalation');
  if (SPOOFING.test(r)) out.add('spoofing');
  else if (/usurpation/.test(r) && !out.has('privilege-escalation')) out.add('spoofing');
  if (CONFIDENTIALITY.test(r)) out.add('data-confidentiality');
  if (INTEGRITY.test(r)) out.add('data-integrity');
  if (BYPASS.test(r)) out.add('security-bypass');
  if (out.size === 0) out.add('other');
  return IMPACT_LABELS.filter((l) => out.has(l));
}

/**
 * The impact labels of a bulletin's `risks`: the union over its risks, or `null` when none of
 * them states a known impact (only "Non spécifié par l'éditeur", or no risk at all): such a
 * bulletin has unknown labels, and is left out of training and evaluation.
 */
export function bulletinImpactLabels(risks: readonly string[]): ImpactLabel[] | null {
  const out = new Set<ImpactLabel>();
  for (const risk of risks) for (const l of impactLabelsOf(risk) ?? []) out.add(l);
  return out.size ? IMPACT_LABELS.filter((l) => out.has(l)) : null;
}
