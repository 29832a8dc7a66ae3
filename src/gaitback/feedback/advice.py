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
    "leaning": "Forward lean",
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
        "Excessive forward lean puts the lumbar spine out of alignment and overworks the "
        "lower-back muscles; it often goes with a weak core or tight hip flexors and hamstrings."
    ),
    "uneven_surface": (
        "Hard or uneven surfaces increase impact and can load the spine asymmetrically."
    ),
    "pelvic_drop": (
        "When the pelvis drops on the swing side, the deep stabilising muscles are not holding "
        "it level and the lower back compensates."
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

#: Finding id -> advice drawn from the article.
ADVICE: Final = {
    "overstriding": [
        "Take shorter, quicker steps: raise your cadence by 5-10 % at the same pace "
        "(a metronome app helps), so the foot lands closer under the hips.",
        "Consider a professional gait analysis to identify and correct inefficient movement "
        "patterns.",
    ],
    "leaning": [
        "Strengthen the core for spinal stability: planks, side planks and bird-dogs.",
        "Keep the hip flexors and hamstrings flexible to maintain pelvic alignment.",
        "Run tall: a slight lean from the ankles, not a bend at the hips.",
    ],
    "uneven_surface": [
        "Vary your running surface, or choose a level one: avoid running the same side of a "
        "cambered road every time (switch sides or direction).",
        "Check whether a left/right imbalance of your own is behind it: repeat the run on a "
        "treadmill or a track and compare.",
    ],
    "pelvic_drop": [
        "Strengthen the core and hip stabilisers: planks, side planks and bird-dogs.",
        "Keep the hip flexors and hamstrings flexible to maintain pelvic alignment.",
        "Consider a professional gait analysis if the drop stays one-sided.",
    ],
    "asymmetry": [
        "Work on muscle imbalances: flexibility for tight hip flexors and hamstrings, core "
        "work (side planks, bird-dogs) on both sides.",
        "Check your shoes for uneven wear, and rule out the surface (camber) by comparing "
        "with a treadmill run.",
        "A professional gait analysis can pinpoint the cause of a persistent imbalance.",
    ],
    "high_impact": [
        "Check your shoes: they should offer support and cushioning for your foot type; "
        "replace them every 300-500 miles (about 500-800 km).",
        "Run some sessions on softer surfaces (track, trail, grass) instead of concrete.",
        "Increase mileage and intensity gradually so the body can adapt to the load.",
    ],
    "fatigue": [
        "Follow the 10 % rule: increase weekly running distance by no more than ten percent.",
        "Cross-train (swimming, cycling) to build fitness and supporting muscles without the "
        "repetitive impact of running.",
        "Shorten the run or take a walk break when your form starts to drift.",
    ],
}

#: Self-care if the back already hurts, from the article's "initial steps for relief".
RELIEF: Final = (
    "Rest: take a break from running for a few days so strained tissue can recover.",
    "Ice the painful area for 15-20 minutes at a time, several times a day.",
    "Gentle stretching: knee-to-chest stretch and the cat-cow stretch.",
    "Foam-roll the glutes, hips and hamstrings; avoid direct pressure on the spine.",
    "Active recovery such as light walking keeps muscles moving without excess strain.",
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
