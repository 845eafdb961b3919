"""The test payment gateway against the payment gateway contract."""

from __future__ import annotations

import pytest

from bookmyshow.adapters.memory import payments as test_gateway
from bookmyshow.ports.payments import PaymentGateway
from bookmyshow.testing.contracts.payments import PaymentGatewayContract, PaymentScenarios


class TestMemoryPaymentGateway(PaymentGatewayContract):
    """MemoryPaymentGateway keeps the payment gateway contract."""

    @pytest.fixture
    def gateway(self) -> PaymentGateway:
        """A fresh test gateway."""
        return test_gateway.MemoryPaymentGateway()

    @pytest.fixture
    def scenarios(self) -> PaymentScenarios:
        """The test gateway's documented test cards."""
        return PaymentScenarios(
            succeeds=test_gateway.CARD_SUCCEEDS,
            declined=test_gateway.CARD_DECLINED,
            insufficient_funds=test_gateway.CARD_INSUFFICIENT_FUNDS,
            timeout_captured=test_gateway.CARD_TIMEOUT_CAPTURED,
            timeout_not_captured=test_gateway.CARD_TIMEOUT_NOT_CAPTURED,
        )
