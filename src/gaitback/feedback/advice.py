"""Advice and warning signs, worded after the article the project is built from.

The article ("Why does my lower back hurt when I run?", ``shared/seed-article.txt``) names the
mechanical causes (overstriding, excessive leaning, weak core, tight hip flexors or
hamstrings, worn shoes, overuse, hard or uneven surfaces) and what to do about them. Nothing
here is a diagnosis; a professional makes that.
"""

from __future__ import annotations

from typing import Final

#: Finding id -> title shown to the runner.
TITLES: Final = {
    "overstriding": "Overstriding",
    "leaning": "Forward lean of the pelvis",
    "uneven_surface": "Uneven or cambered surface loading",
    "pelvic_drop": "Pelvic drop",
    "asymmetry": "Left/right asymmetry",
    "high_impact": "High impact",
    "fatigue": "Form drifting over the run (fatigue)",
}

#: Why the finding matters for the lower back, in the article's terms.
WHY: Final = {
    "overstriding": (
        "Overstriding raises impact forces on the lumbar spine and stresses the discs "
        "and surrounding muscles."
    ),
    "leaning": (
        "A pelvis tipped further forward than when you stand arches the lower back and "
        "overworks its muscles; it often goes with tight hip flexors and hamstrings or a weak "
        "core. The sensor on the sacrum measures the tilt of the pelvis, not of the trunk."
    ),
    "uneven_surface": (
        "Hard or uneven surfaces increase impact and can load the spine asymmetrically."
    ),
    "pelvic_drop": (
        "When the hip muscles of the standing leg (the hip abductors) do not hold the pelvis "
        "level, the other side drops and the lower back compensates."
    ),
    "asymmetry": (
        "One side working harder than the other loads the spine asymmetrically; muscle "
        "imbalances and tightness can alter pelvic alignment."
    ),
    "high_impact": (
        "High impact travels up the kinetic chain to the back, more so in worn shoes or on "
        "hard surfaces."
    ),
    "fatigue": (
        "Form that falls apart as you tire shifts load to the lower back; sudden increases in "
        "training overwhelm the body's capacity to adapt."
    ),
}

#: Advice key -> one tip, drawn from the article (and, for pelvic drop, hip-abductor work).
TIPS: Final = {
    "cadence": "Take shorter, quicker steps: raise your cadence by 5-10 % at the same pace "
    "(a metronome app helps), so the foot lands closer under the hips.",
    "gait_analysis": "Consider a professional gait analysis to identify and correct "
    "inefficient movement patterns.",
    "core": "Strengthen the core for spinal stability: planks, side planks and bird-dogs.",
    "hip_flexors_hamstrings": "Stretch the hip flexors and hamstrings regularly: tight ones "
    "tip the pelvis forward and pull on the lower back.",
    "run_tall": "Run tall: a slight lean from the ankles, not a bend at the hips.",
    "vary_surface": "Vary your running surface, or choose a level one: avoid running the same "
    "side of a cambered road every time (switch sides or direction).",
    "check_on_level": "Check whether a left/right imbalance of your own is behind it: repeat "
    "the run on a treadmill or a track and compare.",
    "hip_abductors": "Strengthen the hip abductors of the side that lets the pelvis drop: "
    "side-lying hip abduction and hip hikes (standing on a step, lift the free side of "
    "the pelvis), 2-3 sets of 10-15, a few times a week.",
    "step_downs": "Add single-leg control: slow step-downs from a low step and single-leg "
    "squats in front of a mirror, keeping the pelvis level and the knee over the foot.",
    "imbalances": "Work on muscle imbalances: flexibility for tight hip flexors and "
    "hamstrings, core work (side planks, bird-dogs) on both sides.",
    "shoes_wear": "Check your shoes for uneven wear, and rule out the surface (camber) by "
    "comparing with a treadmill run.",
    "shoes": "Check your shoes: they should offer support and cushioning for your foot type; "
    "replace them every 300-500 miles (about 500-800 km).",
    "soft_surfaces": "Run some sessions on softer surfaces (track, trail, grass) instead of "
    "concrete.",
    "gradual": "Increase mileage and intensity gradually so the body can adapt to the load.",
    "ten_percent": "Follow the 10 % rule: increase weekly running distance by no more than "
    "ten percent.",
    "cross_train": "Cross-train (swimming, cycling) to build fitness and supporting muscles "
    "without the repetitive impact of running.",
    "walk_breaks": "Shorten the run or take a walk break when your form starts to drift.",
}

#: Finding id -> (lead when ok, lead when raised, note always shown).
WORDING: Final = {
    "overstriding": (
        "No sign of overstriding from the sacral proxies.",
        "Signs of overstriding: {flagged}.",
        "A sensor on the sacrum cannot see where the foot lands; there is no accepted sacral "
        "cut-off for overstriding, so this combines indirect signs (cadence for the speed, "
        "contact time; braking is shown for reference).",
    ),
    "leaning": (
        "Forward tilt of the pelvis looks fine.",
        "The pelvis tips forward more than when you stand.",
        "This is the forward tilt of the pelvis measured at the sacrum, not trunk lean; "
        "published trunk-lean norms do not apply to it.",
    ),
    "uneven_surface": (
        "Loading was level and regular from step to step.",
        "Loading was uneven: {flagged}.",
        "A tilt of the pelvis held through the whole stride, flight included, points to a "
        "cambered surface (or a one-sided posture); irregular steps point to an uneven "
        "surface.",
    ),
    "pelvic_drop": (
        "Pelvic drop was similar on both sides.",
        "The pelvis drops more in {worse}.",
        "Pelvic angles from one sacral sensor are approximate (commercial sacral sensors failed "
        "validation against motion capture, Ruiz-Malagón 2023); the left/right difference and "
        "changes between your runs mean more than the absolute angle. Each stance's drop is "
        "measured from the level the pelvis holds in flight, so a cambered surface is not "
        "counted as a drop.",
    ),
    "asymmetry": (
        "Left and right were balanced.",
        "{heavier}",
        "Left/right assignment from a sacral sensor is not perfect (about 82 % correct for "
        "one published method, Kiernan 2023).",
    ),
    "high_impact": (
        "Impact was in the usual range.",
        "Impact was high: {flagged}.",
        "The sacral impact peak follows the ground reaction force in body weights (about "
        "2-3 g, Patoz 2022) plus a short soft-tissue spike at touchdown. Loading rate from an "
        "accelerometer differs from force-plate loading rate by more than ±65 % (Kiernan "
        "2023): it is shown as exploratory and never decides.",
    ),
    "fatigue": (
        "Form held steady from the first to the last third of the run.",
        "Form drifted between the first and the last third of the run: {flagged}.",
        "Trends compare the last third of the running steps with the first third.",
    ),
}

#: Self-care if the back already hurts, from the article's "initial steps for relief".
RELIEF: Final = (
    "Stay active: light walking and gentle movement keep muscles working without excess "
    "strain and help recovery more than bed rest; take a few days off running or run less "
    "while it hurts.",
    "Ice the painful area for 15-20 minutes at a time, several times a day.",
    "Gentle stretching: the knee-to-chest stretch and the cat-cow stretch.",
    "Foam-roll the glutes, hips and hamstrings; avoid direct pressure on the spine.",
)

#: The article's prevention advice, kept in every report.
PREVENTION: Final = (
    "Core strength: planks, side planks and bird-dogs.",
    "Flexibility for the hip flexors and hamstrings.",
    "The 10 % rule: increase weekly distance by no more than ten percent.",
    "Shoes with support and cushioning for your foot type, replaced every 300-500 miles "
    "(about 500-800 km).",
    "Cross-training (swimming, cycling) for fitness without the repetitive impact.",
    "A professional gait analysis to identify and correct inefficient movement patterns.",
)

#: The article's warning signs: shown in every report, whatever the findings.
WARNING_SIGNS: Final = (
    "Pain that does not improve within a few weeks despite self-treatment.",
    "Pain that radiates down the leg, particularly below the knee, with numbness, tingling "
    "or weakness.",
    "Loss of bladder or bowel control: rare, but seek immediate medical attention.",
    "Significant weakness in the legs or feet.",
    "Pain that severely interferes with daily activities such as walking or standing.",
)

WARNING_INTRO: Final = (
    "See a general practitioner, physical therapist or sports-medicine specialist if you "
    "notice any of these. This report measures how you run; it cannot diagnose the cause "
    "of pain."
)

DISCLAIMER: Final = (
    "gaitback describes running mechanics measured by one sensor on the sacrum. It does not "
    "diagnose injuries or conditions; the thresholds are coaching references, not medical "
    "norms."
)
