// The site panel's governance section: the convention's commitments about the site, and
// the committees' decisions about it (those moving one of its planned dates, or about one
// of its commitments), as of the date shown.

import {h} from './dom.js';
import {commitmentChip, lateBadge} from './commitments.js';
import {decisionItem, meetingTitle} from './committees.js';
import {gov} from './govstate.js';

// siteCommitments are the commitments that name the site or one of its parts.
function siteCommitments(siteID, detail) {
  const parts = new Set((detail.parts || []).map((p) => p.id));
  return gov.commitments.filter((c) => (c.site_ids || []).includes(siteID) || (c.part_ids || []).some((id) => parts.has(id)));
}

// siteDecisions are the decisions, with their meeting, about the site's calendar or its
// commitments.
function siteDecisions(detail, commitmentIDs) {
  const milestones = new Set((detail.calendar || []).map((m) => m.id));
  const out = [];
  for (const m of gov.meetings) {
    for (const d of m.decisions || []) {
      if (milestones.has(d.milestone_id) || commitmentIDs.has(d.commitment_id)) out.push({meeting: m, decision: d});
    }
  }
  return out;
}

// siteGovernanceSection is the panel's section about the site's commitments and decisions.
export function siteGovernanceSection(siteID, detail) {
  const commitments = siteCommitments(siteID, detail);
  const decisions = siteDecisions(detail, new Set(commitments.map((c) => c.id)));
  return h('section', {class: 'panel-section', id: 'panel-governance'},
    h('h3', {}, 'Engagements de la convention'),
    commitments.length ? h('ul', {class: 'gov-site-list', id: 'panel-commitments'}, commitments.map((c) => h('li', {dataset: {commitmentId: c.id}},
      h('span', {class: 'gov-clause'}, c.clause), ' ', c.title, ' ', commitmentChip(c), ' ', lateBadge(c),
      c.due_label ? h('span', {class: 'gov-about'}, ` — échéance : ${c.due_label}`) : null)))
      : h('p', {class: 'empty'}, 'Aucun engagement de la convention ne concerne ce site.'),
    h('h3', {}, 'Décisions des comités'),
    decisions.length ? h('ul', {class: 'gov-site-list', id: 'panel-decisions'}, decisions.map(({meeting, decision}) => {
      const li = decisionItem(decision);
      li.prepend(h('strong', {}, `${meetingTitle(meeting)} : `));
      return li;
    }))
      : h('p', {class: 'empty'}, 'Aucune décision enregistrée sur ce site.'));
}
