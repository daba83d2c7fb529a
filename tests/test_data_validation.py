"""`rasa data validate`, run in this process so Rasa is not loaded once
more just for it: the domain, NLU data, rules and stories agree."""

import re
import warnings

from tests.conftest import ROOT

# Rasa 3.6 reports form questions (utter_ask_<slot>) as unused, and the
# intents the agent console sends (EXTERNAL_*) as missing from the NLU data,
# which they must be; anything else is a real warning.
EXPECTED = ("The utterance 'utter_ask_", "intent 'EXTERNAL_")


def test_domain_data_rules_and_stories_validate_without_warnings():
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.utils.common import EXPECTED_WARNINGS   # what the rasa CLI hides too
    from rasa.validator import Validator

    importer = TrainingDataImporter.load_from_config(
        config_path=str(ROOT / "config.yml"), domain_path=str(ROOT / "domain"),
        training_data_paths=[str(ROOT / "data")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        validator = Validator.from_importer(importer)
        # The checks `rasa data validate` runs (rasa.cli.utils.validate_files).
        results = {
            "domain": validator.verify_domain_validity(),
            "actions in rules": validator.verify_actions_in_stories_rules(),
            "forms in rules": validator.verify_forms_in_stories_rules(),
            "form slots": validator.verify_form_slots(),
            "slot mappings": validator.verify_slot_mappings(),
            "nlu": validator.verify_nlu(True),
            "story structure": validator.verify_story_structure(True),
        }
        validator.warn_if_config_mandatory_keys_are_not_set()
    assert all(results.values()), results
    unexpected = [str(w.message) for w in caught if issubclass(w.category, UserWarning)
                  and not any(known in str(w.message) for known in EXPECTED)
                  and not any(issubclass(w.category, category) and re.match(pattern, str(w.message))
                              for category, pattern in EXPECTED_WARNINGS)]
    assert not unexpected, "\n".join(unexpected)
