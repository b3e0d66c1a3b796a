"""Table I scenarios: key policies and the shared, cached training."""

import pytest
import torch

from helpers.attacks import AdversarialRecipe
from helpers.profiles import get_profile
from helpers.scenarios import ScenarioBudget, get_scenario, key_policies, train_scenario
from helpers.training import predict


def test_key_policies_per_scenario():
    plain_train, plain_test = key_policies(get_scenario("plain"), key_seed=5)
    assert plain_train.mode == plain_test.mode == "none"
    train_keys, test_keys = key_policies(get_scenario("encrypted"), key_seed=5)
    assert train_keys.mode == "fixed" and train_keys.key == test_keys.key
    dk_train, dk_test = key_policies(get_scenario("encrypted_adv_dk"), key_seed=5)
    assert dk_train.mode == dk_test.mode == "per_batch" and dk_train.seed != dk_test.seed
    assert get_scenario("encrypted_adv").adversarial and not get_scenario("encrypted_dk").adversarial
    with pytest.raises(ValueError, match="unknown scenario"):
        get_scenario("encrypted_xl")


def test_adversarial_scenarios_use_the_adversarial_budget_and_their_own_checkpoint(cifar_test):
    smoke = get_profile("smoke")
    budget = ScenarioBudget.from_profile(smoke)
    bpda = train_scenario("encrypted_adv", cifar_test, cifar_test, budget, key_seed=1, progress=False)
    masked = train_scenario(
        "encrypted_adv",
        cifar_test,
        cifar_test,
        budget,
        key_seed=1,
        adversarial_placement="none",
        progress=False,
    )
    assert bpda.cache.path != masked.cache.path
    # the adversary augments as its recipe says (default: reflected border, then the attack), never the engine
    stored = torch.load(bpda.cache.path, weights_only=True)["config"]
    assert stored["settings"]["adversary"]["recipe"] == AdversarialRecipe().to_dict()
    assert stored["settings"]["adversary"]["recipe"]["border"] == "reflect"
    assert stored["training"]["augment"] is False
    zero_border = train_scenario(
        "encrypted_adv",
        cifar_test,
        cifar_test,
        budget,
        key_seed=1,
        adversarial_recipe=AdversarialRecipe(border="zeros"),
        progress=False,
    )
    assert zero_border.cache.path not in (bpda.cache.path, masked.cache.path)
    assert bpda.history.images_per_epoch == min(len(cifar_test), smoke.robustness.adversarial_train_images)


def test_second_call_loads_the_same_model_from_the_cache(cifar_test):
    smoke = get_profile("smoke")
    budget = ScenarioBudget.from_profile(smoke)
    first = train_scenario("encrypted", cifar_test, cifar_test, budget, key_seed=1, progress=False)
    second = train_scenario("encrypted", cifar_test, cifar_test, budget, key_seed=1, progress=False)
    assert (first.cache.status, second.cache.status) == ("miss", "hit")
    assert first.cache.path == second.cache.path
    assert torch.equal(
        predict(first.model, cifar_test, first.test_keys), predict(second.model, cifar_test, second.test_keys)
    )
    assert (
        second.history.loss == first.history.loss
        and len(second.history.eval_accuracy["test"]) == smoke.classifiers.epochs
    )
    other_key = train_scenario("encrypted", cifar_test, cifar_test, budget, key_seed=2, progress=False)
    assert other_key.cache.status == "miss" and other_key.cache.path != first.cache.path


def test_the_cloud_classifier_is_table_i_plain_model_wherever_the_profile_trains_them_alike():
    """CIFAR-10's cloud classifier C is a Plain ResNet18: on the paper profile it is Table I's Plain model
    (same fields, so one checkpoint); the quick profile trains Table I's models 16 epochs with a linear decay
    and keeps C on 8 epochs of the paper's step schedule (the model notebooks 04–09 were run with)."""
    from helpers.classifiers import ClassifierBudget

    def recipe(budget):
        return budget.width, budget.epochs, budget.schedule, budget.train_images, budget.precision

    for name in ("smoke", "quick", "paper"):
        profile = get_profile(name)
        scenario, cloud = (
            ScenarioBudget.from_profile(profile, "bf16"),
            ClassifierBudget.from_profile(profile, "bf16"),
        )
        assert recipe(scenario) == (
            profile.classifiers.width,
            profile.classifiers.epochs,
            profile.classifiers.schedule,
            profile.classifiers.train_images,
            "bf16",
        )
        assert recipe(cloud) == (
            profile.classifiers.width,
            profile.classifiers.cloud_epochs,
            profile.classifiers.cloud_schedule,
            profile.classifiers.train_images,
            "bf16",
        )
        assert (
            scenario.attack.epsilon == 0.1
            and scenario.attack.steps == profile.robustness.adversarial_train_steps
        )
    paper = get_profile("paper")
    assert recipe(ScenarioBudget.from_profile(paper)) == recipe(ClassifierBudget.from_profile(paper))
    quick = get_profile("quick")
    assert recipe(ScenarioBudget.from_profile(quick))[1:3] == (16, "linear")
    assert recipe(ClassifierBudget.from_profile(quick))[1:3] == (8, "step")


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"width": 0.0}, ValueError, "width must be a positive number"),
        ({"width": float("nan")}, ValueError, "width must be a finite number"),
        ({"epochs": 0}, ValueError, "epochs must be a positive int"),
        ({"adversarial_epochs": 2.5}, TypeError, "adversarial_epochs must be a positive int"),
        ({"train_images": 0}, ValueError, "train_images must be a positive int"),
        ({"adversarial_train_images": "all"}, TypeError, "adversarial_train_images must be"),
        ({"attack": {"epsilon": 0.1}}, TypeError, "attack must be a PGDSettings"),
        ({"precision": "auto"}, ValueError, "precision must be one of"),
        ({"schedule": "cosine"}, ValueError, "schedule must be one of"),
    ],
)
def test_bad_scenario_budgets_are_refused_by_name(overrides, error, message):
    from dataclasses import replace

    with pytest.raises(error, match=message):
        replace(ScenarioBudget.from_profile(get_profile("smoke")), **overrides)


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"width": -1}, ValueError, "width must be a positive number"),
        ({"digit_epochs": 0}, ValueError, "digit_epochs must be a positive int"),
        ({"digit_train_images": -5}, ValueError, "digit_train_images must be a positive int"),
        ({"precision": "fp16"}, ValueError, "precision must be one of"),
    ],
)
def test_bad_classifier_budgets_are_refused_by_name(overrides, error, message):
    from dataclasses import replace

    from helpers.classifiers import ClassifierBudget

    with pytest.raises(error, match=message):
        replace(ClassifierBudget.from_profile(get_profile("smoke")), **overrides)
