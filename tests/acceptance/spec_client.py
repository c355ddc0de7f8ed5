"""The Python client printed in the API contract ("Exemple Python"), copied verbatim.

Source: ``spec/async-operations-api.fr.txt``, class ``AsyncOperationManager``. The page lost its
indentation, which is restored here; nothing else is changed, so the tests exercise exactly
what the contract promises its readers. The page is cut off inside ``register_webhook``: its
last two lines are completed the way every other method of the class ends (see below).
Its unused imports, single quotes and long lines are the contract's own.
"""

# ruff: noqa: E501, F401, I001
# mypy: ignore-errors
# fmt: off
import requests
import time
import json
import hmac
import hashlib
from datetime import datetime, timedelta
class AsyncOperationManager:
    def __init__(self, base_url, tenant_id, project_id, token):
        self.base_url = base_url
        self.tenant_id = tenant_id
        self.project_id = project_id
        self.headers = {
            'Authorization': f'Bearer {token}',
            'Content-Type': 'application/json'
        }
    def start_operation(self, operation_type, name, parameters, priority='Normal', timeout=3600):
        """Démarrer une opération asynchrone"""
        url = f"{self.base_url}/api/{self.tenant_id}/{self.project_id}/async/operation"
        payload = {
            'operationType': operation_type,
            'operationName': name,
            'priority': priority,
            'parameters': parameters,
            'timeout': timeout,
            'callbacks': {
                'onProgress': 'https://your-app.com/webhooks/progress',
                'onCompletion': 'https://your-app.com/webhooks/completion',
                'onError': 'https://your-app.com/webhooks/error'
            }
        }
        response = requests.post(url, json=payload, headers=self.headers)
        return response.json()
    def get_operation_status(self, operation_id):
        """Obtenir le statut actuel de l'opération"""
        url = f"{self.base_url}/api/{self.tenant_id}/{self.project_id}/async/operation/{operation_id}"
        response = requests.get(url, headers=self.headers)
        return response.json()
    def list_operations(self, status=None, operation_type=None, page=1, page_size=20):
        """Lister les opérations asynchrones avec filtrage"""
        url = f"{self.base_url}/api/{self.tenant_id}/{self.project_id}/async/operations"
        params = {'page': page, 'pageSize': page_size}
        if status:
            params['status'] = status
        if operation_type:
            params['operationType'] = operation_type
        response = requests.get(url, params=params, headers=self.headers)
        return response.json()
    def cancel_operation(self, operation_id, reason="User cancellation"):
        """Annuler une opération en cours"""
        url = f"{self.base_url}/api/{self.tenant_id}/{self.project_id}/async/operation/{operation_id}"
        payload = {
            'reason': reason,
            'preservePartialResults': True,
            'notifyCallbacks': True
        }
        response = requests.delete(url, json=payload, headers=self.headers)
        return response.json()
    def get_operation_results(self, operation_id, format_type='detailed', include_artifacts=True):
        """Obtenir les résultats de l'opération"""
        url = f"{self.base_url}/api/{self.tenant_id}/{self.project_id}/async/operation/{operation_id}/results"
        params = {
            'format': format_type,
            'includeArtifacts': str(include_artifacts).lower()
        }
        response = requests.get(url, params=params, headers=self.headers)
        return response.json()
    def retry_operation(self, operation_id, retry_mode='resume', updated_params=None):
        """Relancer une opération échouée"""
        url = f"{self.base_url}/api/{self.tenant_id}/{self.project_id}/async/operation/{operation_id}/retry"
        payload = {
            'retryMode': retry_mode,
            'retryReason': 'Automatic retry with optimization',
            'modifyParameters': updated_params is not None
        }
        if updated_params:
            payload['updatedParameters'] = updated_params
        response = requests.post(url, json=payload, headers=self.headers)
        return response.json()
    def register_webhook(self, webhook_url, events, filters=None):
        """Enregistrer un webhook pour les notifications d'opération"""
        url = f"{self.base_url}/api/{self.tenant_id}/{self.project_id}/async/webhooks"
        payload = {
            'webhookUrl': webhook_url,
            'webhookName': 'Python SDK Webhook',
            'events': events,
            'filters': filters or {},
            'authentication': {
                'type': 'hmac-sha256',
                'secret': 'your-webhook-secret'
            }
        }
        # The contract's text stops here; completed like every other method of the class.
        response = requests.post(url, json=payload, headers=self.headers)
        return response.json()
