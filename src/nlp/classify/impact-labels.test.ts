/** The CERT-FR risk wording → impact label table, one row per form (real wordings from the corpus). */
import { describe, expect, it } from 'vitest';
import { bulletinImpactLabels, foldFrench, impactLabelsOf } from './impact-labels.ts';

describe('impactLabelsOf', () => {
  it.each([
    ['Exécution de code arbitraire à distance', ['remote-code-execution']],
    ['Exécution de code arbitraire', ['code-execution']],
    ['Exécution de code arbitraire en local', ['code-execution']],
    ['Exécution de commandes arbitraires à distance', ['remote-code-execution']],
    ['Déni de service à distance', ['denial-of-service']],
    ['Déni de service', ['denial-of-service']],
    ['Élévation de privilèges', ['privilege-escalation']],
    ['Augmentation des privilèges', ['privilege-escalation']],
    ['Accès root en local', ['privilege-escalation']],
    ['Atteinte à la confidentialité des données', ['data-confidentiality']],
    ["Divulgation d'informations", ['data-confidentiality']],
    ["Atteinte à l'intégrité des données", ['data-integrity']],
    ['Corruption de fichiers', ['data-integrity']],
    ['Contournement de la politique de sécurité', ['security-bypass']],
    ['Contournement de la fonctionnalité de sécurité', ['security-bypass']],
    ['Injection de code indirecte à distance (XSS)', ['xss-injection']],
    ['Injection SQL (SQLi)', ['xss-injection']],
    ['Attaque de type « cross site scripting »', ['xss-injection']],
    ['Injection de requêtes illégitimes par rebond (CSRF)', ['request-forgery']],
    ['Falsification de requêtes côté serveur (SSRF)', ['request-forgery']],
    ["Usurpation d'identité", ['spoofing']],
    ['Exécution de code arbitraire à distance avec des privilèges élevés', ['remote-code-execution', 'privilege-escalation']],
    ["Atteinte à la confidentialité et à l'intégrité des données", ['data-confidentiality', 'data-integrity']],
    ['Propagation de virus', ['other']],
  ])('%s → %j', (risk, labels) => {
    expect(impactLabelsOf(risk)).toEqual(labels);
  });

  it('says "unknown" (null) for an unspecified or empty risk, not "no impact"', () => {
    expect(impactLabelsOf("Non spécifié par l'éditeur")).toBeNull();
    expect(impactLabelsOf('NON SPÉCIFIÉ PAR L’ÉDITEUR')).toBeNull();
    expect(impactLabelsOf('')).toBeNull();
  });
});

describe('bulletinImpactLabels', () => {
  it('unites the labels of the risks, in display order, and ignores unspecified ones beside stated ones', () => {
    expect(bulletinImpactLabels(['Déni de service à distance', "Non spécifié par l'éditeur", 'Exécution de code arbitraire à distance'])).toEqual([
      'remote-code-execution',
      'denial-of-service',
    ]);
  });
  it('is null when no risk states an impact', () => {
    expect(bulletinImpactLabels(["Non spécifié par l'éditeur"])).toBeNull();
    expect(bulletinImpactLabels([])).toBeNull();
  });
});

describe('foldFrench', () => {
  it('drops accents and case, folds apostrophes and spaces', () => {
    expect(foldFrench('  Élévation  de PRIVILÈGES d’un utilisateur ')).toBe("elevation de privileges d'un utilisateur");
  });
});
