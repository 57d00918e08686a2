"""The clinic's starting library of journal prompts, in the five integration categories
(CLINICAL.md). Seeded by migration 0002 (and again by the demo seed and the tests after a
flush); interleaved by `order`, so a few consecutive prompts span several categories."""

PROMPTS = {
    "body": [
        "Where in your body did you notice the most during the session, and what was it like?",
        "What does your body feel like today compared with the day before the dose?",
        "Take three slow breaths. What do you notice, without changing anything?",
        "What helps your body feel safe and settled? When did you last give it that?",
    ],
    "emotions": [
        "Which feelings came up during or after the session? Name as many as you can.",
        "Was there a feeling you usually push away that showed itself? What did it want?",
        "What brought you comfort since the dose?",
        "Describe a moment today when your mood shifted. What happened just before?",
    ],
    "insights": [
        "What is one thing you understood differently during the session?",
        "Was there an image, memory or phrase that stayed with you? Write it down as it came.",
        "If the session had a message for you, what would it be, in one sentence?",
        "What old story about yourself feels less true today?",
    ],
    "relationships": [
        "Who came to mind during the session? What would you like them to know?",
        "Which relationship feels lighter or heavier since the dose, and why?",
        "Write a few lines to someone you would like to thank (you need not send it).",
        "Where would you like to set a kinder boundary, with someone else or yourself?",
    ],
    "intentions": [
        "What would you like to carry into the coming week? Name one small step.",
        "What intention would you like to bring to your next session?",
        "What is one thing you will do for yourself before your follow-up?",
        "A month from now, what would tell you that things are moving in the right direction?",
    ],
}


def seed_library(model) -> int:
    """Create the prompts `model` (the JournalPrompt model, historical or not) does not hold yet."""
    categories = list(PROMPTS)
    created = 0
    for index in range(max(len(v) for v in PROMPTS.values())):
        for position, category in enumerate(categories):
            texts = PROMPTS[category]
            if index < len(texts):
                _, new = model.objects.get_or_create(
                    text=texts[index],
                    defaults={"category": category, "order": index * len(categories) + position},
                )
                created += new
    return created
