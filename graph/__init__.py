"""Graph mode (TF1): Graph, Operation, symbolic Tensor, Session, tf.gradients."""
