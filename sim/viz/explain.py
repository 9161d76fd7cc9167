"""The page's explanation for students, as HTML: the actors, the ladder, the controls, the facts.

Written for this project in plain words. The facts come from the seed article (a news report
on the fighting of 9-13 October 2025, in shared/seed/); no sentence of it is copied. The
ladder's table is generated from ``sim.ladder.Action``, so it cannot drift from the model.
"""

from __future__ import annotations

import html

from ..ladder import Action

ACTORS = [
    ("Pakistan", "wants the attacks of the Pakistani Taliban (TTP) to stop, and blames Afghanistan for "
     "sheltering them. It answers attacks, can strike from the air, and can close the border crossings."),
    ("Afghanistan (the Taliban government)", "wants strikes on its soil to stop and to be seen answering "
     "them. It fights on the ground along the border and is reluctant to turn on the TTP."),
    ("The TTP (Pakistani Taliban)", "an armed group fighting Pakistan's state. It attacks Pakistan's forces "
     "almost every day, partly from hideouts across the border."),
    ("India", "Pakistan's rival. It takes no action in the model, but its warmer ties with Kabul make "
     "Pakistan feel threatened on two borders, which adds to Pakistan's anger."),
    ("Mediators (Qatar, Saudi Arabia, China, Russia, the United States)", "want the fighting to stop. Once "
     "the fighting reaches a certain rung they call for restraint, some offer to mediate, and Qatar and China "
     "can host talks that may end in a ceasefire. Their leverage is how much each side listens to them. "
     "Saudi Arabia also has a defence pact with Pakistan: if it is invoked, Saudi Arabia backs Pakistan "
     "instead of mediating."),
]

CONTROLS = [
    ("Scenario", "the starting point: the October 2025 crisis, or a what-if built on it (no mediators, the "
     "pact invoked, a Taliban crackdown, no strike on Kabul, no India factor, or the situation after 13 "
     "October). Every other control starts at 'as in the scenario'."),
    ("Seed", "picks the random numbers. The same settings and seed always give the same run; another seed "
     "shows another way the same crisis could unfold."),
    ("Retaliation (\u00d7 scenario)", "how readily both states hit back when they feel pressure to (the "
     "retaliation propensity, per day per unit of pressure); 2 means twice as readily as in the scenario."),
    ("TTP attacks (\u00d7 scenario)", "how many attacks the TTP makes a day, relative to the scenario's "
     "(about 1.6 a day, from the yearly count of about 600)."),
    ("India factor (\u00d7 scenario)", "how much India's ties with Kabul add to Pakistan's sense of threat."),
    ("Leverage (\u00d7 scenario)", "how much each side listens to the mediators (each value is capped at 1, "
     "full influence)."),
    ("Randomness of choices (\u00d7 scenario)", "how far the parties' choices stray from what their situation "
     "dictates. At 1 (the scenario, a decision noise of 0.05) a party nearly always does what its situation "
     "says: it strikes when its pressure to fight is high enough, halts when restraint outweighs it. At 20 "
     "(noise 1) every choice is a coin flip weighted by how strongly the situation pushes. Try the odds at "
     "both: the more chance in the choices, the more ways the same crisis can end."),
    ("A mediator may mediate", "untick it to take that country out of the crisis."),
    ("Defence pact invoked", "tick it to have Saudi Arabia back Pakistan instead of mediating."),
    ("Your settings", "the line above the map shows the values the run on screen uses, in their units."),
    ("Step, Play, Reset", "Step simulates one day; Play runs day after day; Reset starts a new run with the "
     "controls as they are now. A changed control takes effect only after Reset."),
    ("What-if odds", "runs the settings of the run on screen 2,000 times (runs 0 to 1,999 of its seed) and "
     "counts how the runs end, beside the same count for the unchanged scenario file (with seed 0)."),
]

FACTS = [
    "Thursday 9 October 2025 (day 0): there were strikes in Kabul and in the border province of Paktika. "
    "The Taliban blamed Pakistan, which did not officially say it carried them out, and accused it that "
    "night. The model starts with these strikes.",
    "The same week the Taliban's foreign minister made a visit to New Delhi that was called historic, and on "
    "Friday India said it would reopen its embassy in Kabul. In the model, India's ties with Kabul rise on day 1.",
    "On Friday Pakistan's military said it had evidence that Afghan territory serves as a base for "
    "terrorism against Pakistan. Pakistan has long said that Kabul shelters the TTP; the Taliban deny it.",
    "An independent monitor (ACLED) counted about 600 TTP attacks on Pakistan's military over the past "
    "year: this sets the TTP's rate of about 1.6 attacks a day.",
    "On Saturday night (day 2) Taliban forces attacked Pakistani positions near the border, around Kunar "
    "and Nangarhar, and Pakistan hit back the same night at Taliban camps and posts.",
    "Around midnight the Taliban stopped their operations after Qatar and Saudi Arabia mediated.",
    "Each side says the other lost more than it admits: Pakistan admits 23 soldiers dead while the Taliban "
    "claim 58; the Taliban admit 9 dead while Pakistan claims more than 200 Taliban and militants. Nobody "
    "independent has checked these numbers. The model keeps the truth, the admissions and the claims apart.",
    "On Sunday (day 3) Pakistan closed two major crossings into Afghanistan; the two countries trade a lot, "
    "so closed crossings cost both. The US president offered to help make peace.",
    "Qatar, Saudi Arabia, China and Russia all urged calm; China's foreign ministry spoke on Monday (day 4). "
    "China had lately acted as a go-between for the two neighbours. Saudi Arabia had just signed a defence "
    "pact with Pakistan.",
    "The border between them, the Durand Line, runs for about 1,600 miles through mountains; its course is "
    "disputed and fighting along it is common, although the two governments long kept a working relationship.",
    "The last time a foreign air force struck Kabul was in 2022. An expert quoted in the report said such "
    "flare-ups have usually died down once each side had made its point; in the model, a side that believes "
    "it has hit hard feels less need to go on.",
    "Analysts called the Taliban's handling of the TTP the key question, and noted reluctance within the "
    "Taliban to a full crackdown: the model gives a crackdown a small chance.",
]

OUTCOMES = [
    ("de-escalated", "the states fought, and at the end they have not fought for 14 days, whether or not a "
     "formal halt or ceasefire holds (half the earlier episodes simply stopped)"),
    ("war", "a sustained campaign lasted a week, or 1,000 people died in fighting between the states "
     "(the usual threshold of war in research)"),
    ("fighting goes on", "the states fought in the last 14 days, below war"),
    ("no fighting", "the states never fought"),
]


def _items(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"<li><b>{html.escape(a)}</b>: {html.escape(b)}</li>" for a, b in pairs)


def ladder_table() -> str:
    """Every action with its rung, CAMEO code and Goldstein weight, from the model's own ladder."""
    rows = "".join(
        f"<tr><td style='text-align:right'>{a.rung:+d}</td><td>{html.escape(a.key.replace('_', ' '))}</td>"
        f"<td>{a.cameo}</td><td style='text-align:right'>{a.goldstein:+.1f}</td>"
        f"<td>{'yes' if a.kinetic else ''}</td></tr>"
        for a in sorted(Action, key=lambda a: a.rung))
    return ("<table style='border-collapse:collapse;font-size:12px' cellpadding='2'>"
            "<tr><th>rung</th><th>action</th><th>CAMEO</th><th>Goldstein</th><th>violent</th></tr>"
            f"{rows}</table>")


def explanation_html() -> str:
    """The whole explanation panel."""
    facts = "".join(f"<li>{html.escape(f)}</li>" for f in FACTS)
    return f"""<div style="font-size:14px;line-height:1.45;max-width:1100px">
<h3>What this model is</h3>
<p>An agent-based model: each actor follows simple rules, day by day, and the crisis you see comes out
of how those rules meet. It is a tool for thinking about how escalation works, not a forecast. Every run
is one possible story; the what-if odds count how thousands of such stories end.</p>
<h3>The actors and what they want</h3><ul>{_items(ACTORS)}</ul>
<h3>How a state decides</h3>
<p>Each day a state weighs its <b>pressure to fight</b>: its grievance from recent attacks (made larger,
for Pakistan, by the threat it feels from India) minus what holds it back: the cost of its losses and of
closed crossings, the damage it believes it has done (its own claims, not the truth), and the mediators
working on it. When that pressure is high it is likely to strike, usually matching the worst attack it
suffered and sometimes going one rung higher. When the pressure turns negative it may halt.</p>
<h3>The escalation ladder</h3>
<p>Every action sits on a rung: negative rungs calm the crisis, 0 is a quiet day, positive rungs escalate
it. The CAMEO code is the nearest category in a standard catalogue of political events, and the Goldstein
weight scores that category from -10 (most hostile) to +10 (most cooperative). The rungs order the
violent actions more finely than the weights can, since the weights stop at -10.</p>
{ladder_table()}
<h3>How a run ends (at its horizon: 90 days for October 2025)</h3><ul>{_items(OUTCOMES)}</ul>
<h3>The controls</h3><ul>{_items(CONTROLS)}</ul>
<h3>The facts the October 2025 scenario rests on</h3>
<p>From a news report on the fighting of 9 to 13 October 2025 (retold in our words). Everything else in the model, such as how
readily each side retaliates, is an assumption you can change.</p><ul>{facts}</ul>
</div>"""
