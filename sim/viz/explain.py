"""The Info tab, as HTML: the model, the actors, words explained, things to notice and to try, the controls,
the ladder, the facts and the caveats.

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
    ("Scenario", "the starting point: the October 2025 crisis, its calibrated version, or a what-if built on it "
     "(no mediators, the Saudi pact invoked, a Taliban crackdown, only the Paktika strike, no India factor, the "
     "situation after 13 October, a calm year). Every other control then starts at 'as in this scenario', and "
     "the checkboxes show who mediates in it."),
    ("Seed", "picks the random numbers. The same settings and seed always give the same run; another seed shows "
     "another way the same crisis could unfold. A whole number from 0 to 4,294,967,295."),
    ("Retaliation (\u00d7, unit: chance a day per unit of pressure)", "how readily both states hit back when "
     "they feel pressure to. \u00d72 means twice as readily as in the scenario."),
    ("TTP attacks (\u00d7, unit: attacks a day)", "how often the TTP attacks Pakistan's forces; in the October "
     "2025 scenario about 1.6 a day, from the yearly count of about 600."),
    ("India factor (\u00d7, unit: pressure per unit of ties)", "how much India's ties with Kabul add to "
     "Pakistan's sense of threat, and so to its pressure to fight."),
    ("Mediators' leverage (\u00d7, unit: 0 = none to 1 = full influence)", "how much each side listens to each "
     "mediator. A value above 1 is held at 1, and the page says so."),
    ("Randomness of choices (\u00d7, unit: decision noise)", "how far the parties' choices stray from what "
     "their situation dictates. At a noise of 1 a rule's propensity is used as the probability of acting; "
     "small values make the parties act whenever the propensity is above one half and never below; large "
     "values make every choice closer to a coin flip. The model allows 0.01 to 5."),
    ("The sliders", "all run from \u00d70 to \u00d74, so \u00d71 (marked \u25b2, the scenario's own value) sits "
     "at the same place on each. Under each slider: the values \u00d71 gives, and the values your setting "
     "gives, in their units. A value the model cannot take is held at its limit, with a message; nothing else "
     "is thrown away."),
    ("A mediator may mediate", "untick it to take that country out of the crisis, tick it to bring it in."),
    ("Defence pact invoked", "tick it to have Saudi Arabia back Pakistan instead of mediating."),
    ("\u25cf changed: press Reset", "a control you changed takes effect only when you press Reset; until "
     "then the run on screen keeps its settings, listed under the status line."),
    ("Step, \u25b6 Play, \u275a\u275a Pause, Reset", "Step simulates one day; Play runs day after day at the "
     "chosen speed until you pause or the last day; Pause stops at once; Reset starts a new run, at day 0, with "
     "the controls as they are now (also during Play)."),
    ("What-if odds", "runs your settings 2,000 times (runs 0 to 1,999 of your seed) and the chosen scenario "
     "unchanged 2,000 times with the same seed, and counts how the runs end. On a calibrated scenario each run "
     "draws its parameters from the posterior (the values the calibration found plausible) and the sliders "
     "multiply what it draws."),
]

JARGON = [
    ("Propensity", "a tendency turned into a chance: a retaliation propensity of 0.5 means, roughly, an even "
     "chance a day of hitting back under one unit of pressure."),
    ("Pressure", "how strongly a state is pushed to fight today: its grievance, minus what holds it back."),
    ("Grievance", "a state's anger from attacks it suffered; it fades day by day (shown in the series over "
     "time and on the network)."),
    ("Sanctuary", "the TTP's hideouts in Afghanistan. Pakistan blames the Taliban for them; when the toll of "
     "TTP attacks it blames on them is more than it tolerates, it may strike them. The network shows how much "
     "of its sanctuary the TTP still has."),
    ("Leverage", "how much a side listens to a mediator, from 0 (not at all) to 1 (fully). The table under the "
     "network gives each mediator's leverage over each side."),
    ("Halt and ceasefire", "a halt is one side's own decision to stop its operations (as the Taliban did around "
     "midnight on 11 October); a ceasefire is agreed by both, at talks. Both end with the next strike between "
     "the states."),
    ("CAMEO", "a standard catalogue of political events used in research (Conflict and Mediation Event "
     "Observations); each action of the model carries the code of the nearest CAMEO category."),
    ("Goldstein weight", "a standard score of how hostile or cooperative a kind of event is, from -10 (most "
     "hostile) to +10 (most cooperative), from Goldstein (1992)."),
    ("Rung", "the model's own order of the actions, from -6 (a ceasefire) to +10 (a sustained campaign). The "
     "Goldstein weights stop at -10, so a border skirmish and an airstrike on a capital weigh the same; the "
     "rungs tell them apart."),
    ("Posterior", "for a calibrated scenario, the set of parameter values that made the model reproduce the "
     "reported days of 9 to 13 October; each run of a what-if draws one of them."),
]

NOTICE = [
    "Day 2 holds what the report dates Saturday night and Sunday's first hours: the model keeps a night's "
    "fighting, and the halt around midnight, on the day the fighting began. The closure of the crossings, "
    "announced on Sunday, falls on day 3.",
    "Most runs de-escalate: the fighting stops within days, often with no agreement at all. That matches the "
    "16 earlier Afghanistan\u2013Pakistan episodes of 2021\u20132025: in half of them the firing simply "
    "stopped, and none lasted more than about four days of fighting.",
    "War stays near 0% whatever you set. War here means 1,000 battle deaths between the states or a sustained "
    "campaign of a week, and the daily tolls are small (the report's admitted tolls are in the tens), halts come "
    "quickly and grievance fades. Even the strongest settings seldom keep fighting going long enough. That is a "
    "finding about these rules, not a promise about the real world.",
    "\u201cFighting goes on\u201d means the states fought within the last 14 days of the run, below war: the "
    "crisis is contained but not over. A run in which the states never fought is \u201cno fighting\u201d.",
    "The claimed tolls grow faster than the true ones: each side claims far more enemy dead than the enemy "
    "admits, as in the report (200 claimed against 9 admitted, 58 against 23).",
    "TTP attacks go on almost every day whatever the states do: they are background violence, drawn as crosses "
    "on the ladder and not counted as fighting between the states.",
]

TRY = [
    ("Take away every mediator", "pick no_mediators (or untick every mediator), Reset and run the what-if. "
     "Look at the difference column: does de-escalation become less common, and is the difference clear?"),
    ("Double the retaliation", "set Retaliation to \u00d72, Reset, step through ten days, then run the what-if. "
     "Look at the first days: does the Taliban's answer come sooner, and does fighting renew after the halt?"),
    ("Invoke the Saudi pact", "tick the pact, Reset, and watch the network: Saudi Arabia stops mediating. "
     "Compare the what-if with the scenario unchanged."),
    ("Many seeds, one setting", "keep every control and change only the seed, five times. How different are "
     "the runs? That spread is why the what-if counts 2,000 runs."),
    ("More randomness", "set Randomness to \u00d74, then to \u00d70.1, and compare the what-ifs: the more "
     "chance in the choices, the more ways the same crisis can end."),
    ("Calibrated against hand-set", "pick october_2025_calibrated and run the what-if, then october_2025. The "
     "calibrated one draws its parameters from what fits the reported days; how different are the odds?"),
]

CAVEATS = [
    "It is a tool for thinking about escalation, not a forecast: the rules are simple, and most of their "
    "values are assumptions (the calibrated scenario fits them to five reported days only).",
    "The model's deaths are true values only the model knows; nobody independent checked the real tolls.",
    "The map is a schematic: the Durand Line is traced approximately and places are placed roughly.",
    "Nothing after the report of 13 October 2025 is in the model.",
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
    ("fighting goes on (\u201ccontained\u201d)", "the states fought within the last 14 days, below war: the "
     "fighting is contained, not over"),
    ("no fighting", "the states never fought"),
]


def _items(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"<li><b>{html.escape(a)}</b>: {html.escape(b)}</li>" for a, b in pairs)


def _list(items: list[str]) -> str:
    return "".join(f"<li>{html.escape(x)}</li>" for x in items)


def ladder_table() -> str:
    """Every action with its rung, CAMEO code and Goldstein weight, from the model's own ladder."""
    cell = "style='padding:3px 10px;border-bottom:1px solid #ccc'"
    rows = "".join(
        f"<tr><td {cell} align='right'>{a.rung:+d}</td><td {cell}>{html.escape(a.key.replace('_', ' '))}</td>"
        f"<td {cell}>{a.cameo}</td><td {cell} align='right'>{a.goldstein:+.1f}</td>"
        f"<td {cell}>{'yes' if a.kinetic else ''}</td></tr>"
        for a in sorted(Action, key=lambda a: a.rung))
    head = "style='padding:3px 10px;border-bottom:2px solid #888;text-align:left'"
    return (f"<table class='ladder-table' style='border-collapse:collapse;font-size:13px'>"
            f"<tr><th {head}>rung</th><th {head}>action</th><th {head}>CAMEO code</th><th {head}>Goldstein "
            f"weight</th><th {head}>violent</th></tr>{rows}</table>")


def info_html() -> str:
    """The Info tab, as HTML."""
    facts = _list(FACTS)
    return f"""<div class="info-text" style="font-size:14px;line-height:1.5;max-width:1000px">
<h2>What is it?</h2>
<p>An agent-based model of the October 2025 crisis between Afghanistan and Pakistan: each actor follows
simple rules, day by day, and the crisis you see comes out of how those rules meet. Every run is one possible
story; the what-if odds count how thousands of such stories end. It is a tool for thinking, not a forecast.</p>
<h2>Who is who, and what each wants</h2><ul>{_items(ACTORS)}</ul>
<h2>How a state decides</h2>
<p>Each day a state weighs its <b>pressure</b> to fight: its <b>grievance</b> from recent attacks (made larger,
for Pakistan, by the threat it feels from India) minus what holds it back: the cost of its losses and of closed
crossings, the damage it believes it has done (its own claims, not the truth), and the mediators working on it.
The higher the pressure, the likelier it strikes, usually matching the worst attack it suffered and sometimes
going one rung higher; when the pressure turns negative it may halt.</p>
<h2>Words used on this page</h2><ul>{_items(JARGON)}</ul>
<h2>How a run ends (at its last day: day 90 for October 2025)</h2><ul>{_items(OUTCOMES)}</ul>
<h2>Things to notice</h2><ul>{_list(NOTICE)}</ul>
<h2>Things to try</h2><ol>{_items(TRY)}</ol>
<h2>The controls</h2><ul>{_items(CONTROLS)}</ul>
<h2>The escalation ladder</h2>
<p>Every action sits on a rung: negative rungs calm the crisis, 0 is a quiet day, positive rungs escalate it.
The table gives each action's CAMEO code and Goldstein weight (see the words above).</p>
{ladder_table()}
<h2>The facts the October 2025 scenario rests on</h2>
<p>From a news report on the fighting of 9 to 13 October 2025, retold in our words, and from 16 earlier
Afghanistan\u2013Pakistan episodes of 2021\u20132025. Everything else, such as how readily each side
retaliates, is an assumption you can change.</p><ul>{facts}</ul>
<h2>Caveats</h2><ul>{_list(CAVEATS)}</ul>
</div>"""
