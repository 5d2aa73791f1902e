"""``bridge deploy``, ``status``, ``manage`` and ``remove``: the project's plan, applied to a cloud.

One :class:`~bridge.cloud.provider.Provider` per cloud (FC, SCF, AWS) turns the same plan that
``bridge build`` writes into remote resources, reads what is deployed, and applies the difference.
The vendors' SDKs are imported only here, from the ``deploy`` extra; never on the handler path.
"""
