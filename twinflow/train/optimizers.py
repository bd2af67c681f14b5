"""TF1 optimizers (tf.compat.v1.train.*Optimizer): compute_gradients, apply_gradients, minimize.

One class serves both modes. In a graph, gradients come from tf.gradients and each
update is an op (run it in a Session); eagerly, `loss` must be a callable, a
GradientTape computes the gradients and updates happen at once. The update rules are
the engine's training ops (ResourceApplyAdam, ...), the kernels Keras optimizers use.
"""

from __future__ import annotations

from engine import context, dtypes, nest
from engine.ops import training
from engine.ops.array import zeros
from engine.ops.core import convert_to_tensor
from engine.variables import Variable
from graph.graph import GraphKeys, get_default_graph
from graph.variables_v1 import group

__all__ = ["Optimizer", "GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer",
           "RMSPropOptimizer", "AdagradOptimizer", "get_or_create_global_step",
           "get_global_step"]


def get_global_step(graph=None):
    """The global step variable of the graph, or None."""
    found = (graph or get_default_graph()).get_collection(GraphKeys.GLOBAL_STEP)
    return found[0] if found else None


def get_or_create_global_step(graph=None):
    """The int64 `global_step` variable (created, untrainable, the first time)."""
    graph = graph or get_default_graph()
    step = get_global_step(graph)
    if step is None:
        step = Variable(0, dtype=dtypes.int64, trainable=False, name="global_step")
        graph.add_to_collection(GraphKeys.GLOBAL_STEP, step)
    return step


class Optimizer:
    """Base class: subclasses define `_create_slots`, `_apply_dense` and `_finish`."""

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._name = name
        self._slots = {}       # slot name -> {variable ref -> slot variable}
        self._non_slots = {}   # e.g. Adam's beta1_power

    def get_name(self):
        return self._name

    # -- gradients -------------------------------------------------------------------
    def compute_gradients(self, loss, var_list=None, gate_gradients=1,
                          aggregation_method=None, colocate_gradients_with_ops=False,
                          grad_loss=None):
        """[(gradient, variable)] for the trainable variables (or `var_list`).

        Raises:
            RuntimeError: eagerly, `loss` is not a callable.
            ValueError: no variables to optimize.
        """
        if context.executing_eagerly():
            return self._eager_gradients(loss, var_list, grad_loss)
        from graph.gradients import gradients
        if callable(loss):
            loss = loss()
        var_list = list(var_list) if var_list is not None else \
            get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES)
        if not var_list:
            raise ValueError("No variables to optimize.")
        grads = gradients(loss, var_list, grad_ys=grad_loss)
        return list(zip(grads, var_list))

    def _eager_gradients(self, loss, var_list, grad_loss):
        from eager.tape import GradientTape
        if not callable(loss):
            raise RuntimeError("`loss` passed to Optimizer.compute_gradients should be a "
                               "function when eager execution is enabled.")
        with GradientTape() as tape:
            if var_list is not None:
                tape.watch(var_list)
            value = loss()
        if var_list is None:
            var_list = [v for v in tape.watched_variables() if v.trainable]
        if not var_list:
            raise ValueError("No variables to optimize.")
        grads = tape.gradient(value, list(var_list), output_gradients=grad_loss)
        return list(zip(grads, var_list))

    # -- updates -------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """Applies the updates; in a graph, returns one op that runs them all.

        Raises:
            ValueError: every gradient is None.
        """
        pairs = [(g, v) for g, v in grads_and_vars]
        live = [(g, v) for g, v in pairs if g is not None]
        if not live:
            raise ValueError(
                "No gradients provided for any variable, check your graph for ops that do "
                f"not support gradients, between variables {[v.name for _, v in pairs]} "
                "and loss.")
        self._create_slots([v for _, v in live])  # outside the scope: slots are "w/Adam"
        with context.name_scope(name or self._name):
            self._prepare()
            updates = [self._apply_dense(convert_to_tensor(g), v) for g, v in live]
            finish = self._finish(updates)
            if global_step is None:
                return group(*updates, *nest.flatten(finish), name=name or self._name)
            graph_mode = not context.executing_eagerly()
            deps = [u for u in updates + nest.flatten(finish) if u is not None]
            if graph_mode:
                with get_default_graph().control_dependencies(deps):
                    return global_step.assign_add(1, read_value=False)
            global_step.assign_add(1)
            return None

    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=1,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        """compute_gradients then apply_gradients: one training step (an op in a graph)."""
        grads_and_vars = self.compute_gradients(loss, var_list=var_list, grad_loss=grad_loss)
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    # -- slots ----------------------------------------------------------------------------
    def _zeros_slot(self, var, slot_name, op_name):
        slots = self._slots.setdefault(slot_name, {})
        key = var.ref()
        if key not in slots:
            base = var.name.split(":")[0]
            slots[key] = Variable(zeros(var.shape.as_list(), var.dtype), trainable=False,
                                  name=f"{base}/{op_name}")
        return slots[key]

    def get_slot(self, var, name):
        return self._slots.get(name, {}).get(var.ref())

    def get_slot_names(self):
        return sorted(self._slots)

    def variables(self):
        out = [v for slots in self._slots.values() for v in slots.values()]
        return list(self._non_slots.values()) + out

    @staticmethod
    def _hyper(value):
        """A hyperparameter's current value: TF1 optimizers accept a callable (a decayed
        rate eagerly). The apply ops give numbers the variable's dtype themselves."""
        return value() if callable(value) else value

    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        pass

    def _finish(self, update_ops):
        return ()


class GradientDescentOptimizer(Optimizer):
    """var -= learning_rate * gradient."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _apply_dense(self, grad, var):
        return training.apply_gradient_descent(var, self._hyper(self._learning_rate),
                                               grad)


class MomentumOptimizer(Optimizer):
    """accum = momentum * accum + grad; var -= lr * accum (or the Nesterov form)."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate, self._momentum = learning_rate, momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _apply_dense(self, grad, var):
        return training.apply_momentum(
            var, self.get_slot(var, "momentum"), self._hyper(self._learning_rate), grad,
            self._hyper(self._momentum), use_nesterov=self._use_nesterov)


class AdamOptimizer(Optimizer):
    """Adam (Kingma & Ba) with TensorFlow's epsilon-hat form and bias-corrected lr."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08,
                 use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr, self._beta1, self._beta2, self._epsilon = learning_rate, beta1, beta2, epsilon

    def _create_slots(self, var_list):
        first = min(var_list, key=lambda v: v.name)
        if "beta1_power" not in self._non_slots:
            self._non_slots["beta1_power"] = Variable(self._beta1, dtype=first.dtype,
                                                      trainable=False, name="beta1_power")
            self._non_slots["beta2_power"] = Variable(self._beta2, dtype=first.dtype,
                                                      trainable=False, name="beta2_power")
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name + "_1")

    def _apply_dense(self, grad, var):
        b1p, b2p = self._non_slots["beta1_power"], self._non_slots["beta2_power"]
        return training.apply_adam(
            var, self.get_slot(var, "m"), self.get_slot(var, "v"),
            b1p.read_value(), b2p.read_value(), self._hyper(self._lr),
            self._hyper(self._beta1), self._hyper(self._beta2),
            self._hyper(self._epsilon), grad)

    def _finish(self, update_ops):
        b1p, b2p = self._non_slots["beta1_power"], self._non_slots["beta2_power"]
        if context.executing_eagerly():
            b1p.assign(b1p * self._beta1)
            b2p.assign(b2p * self._beta2)
            return ()
        with get_default_graph().control_dependencies([u for u in update_ops if u]):
            return (b1p.assign(b1p * self._beta1, read_value=False),
                    b2p.assign(b2p * self._beta2, read_value=False))


class RMSPropOptimizer(Optimizer):
    """ms = rho*ms + (1-rho)*g^2; mom = momentum*mom + lr*g/sqrt(ms+eps); var -= mom."""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10,
                 use_locking=False, centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        if centered:
            raise NotImplementedError("centered RMSProp is not implemented in twinflow yet")
        self._lr, self._decay, self._momentum, self._epsilon = (learning_rate, decay,
                                                                momentum, epsilon)

    def _create_slots(self, var_list):
        from engine.ops.array import ones
        for v in var_list:
            slots = self._slots.setdefault("rms", {})
            if v.ref() not in slots:  # TF1 starts the mean square at 1
                slots[v.ref()] = Variable(ones(v.shape.as_list(), v.dtype), trainable=False,
                                          name=f"{v.name.split(':')[0]}/{self._name}")
            self._zeros_slot(v, "momentum", self._name + "_1")

    def _apply_dense(self, grad, var):
        return training.apply_rms_prop(
            var, self.get_slot(var, "rms"), self.get_slot(var, "momentum"),
            self._hyper(self._lr), self._hyper(self._decay),
            self._hyper(self._momentum), self._hyper(self._epsilon), grad)


class AdagradOptimizer(Optimizer):
    """accum += g^2; var -= lr * g / sqrt(accum)."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False,
                 name="Adagrad"):
        super().__init__(use_locking, name)
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        self._lr, self._initial = learning_rate, initial_accumulator_value

    def _create_slots(self, var_list):
        from engine.ops.array import fill
        for v in var_list:
            slots = self._slots.setdefault("accumulator", {})
            if v.ref() not in slots:
                init = fill(v.shape.as_list(), convert_to_tensor(self._initial, dtype=v.dtype))
                slots[v.ref()] = Variable(init, trainable=False,
                                          name=f"{v.name.split(':')[0]}/{self._name}")

    def _apply_dense(self, grad, var):
        return training.apply_adagrad(var, self.get_slot(var, "accumulator"),
                                      self._hyper(self._lr), grad)
